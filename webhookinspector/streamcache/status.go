package streamcache

// Status is what the cache did for one fetch (the `status` field of
// `hookphone fetch`).
type Status int

// Fetch outcomes.
const (
	StatusUnknown     Status = iota // not fetched yet
	StatusMiss                      // nothing reusable was stored: fetched from the origin (and stored if allowed)
	StatusHit                       // a fresh stored copy was served without asking the origin
	StatusRevalidated               // the stored copy was validated (304 Not Modified) and reused
	StatusStale                     // the origin could not be reached; a stale copy was served
	StatusUncacheable               // fetched, but the response may not or cannot be stored (see Why)
)

// String returns the name used in reports and JSON: "miss", "hit", …
func (s Status) String() string {
	switch s {
	case StatusMiss:
		return "miss"
	case StatusHit:
		return "hit"
	case StatusRevalidated:
		return "revalidated"
	case StatusStale:
		return "stale"
	case StatusUncacheable:
		return "uncacheable"
	default:
		return "unknown"
	}
}

// ParseStatus is the inverse of String; unknown names give StatusUnknown.
func ParseStatus(s string) Status {
	for _, st := range []Status{StatusMiss, StatusHit, StatusRevalidated, StatusStale, StatusUncacheable} {
		if st.String() == s {
			return st
		}
	}
	return StatusUnknown
}

// MarshalText makes Status appear by name in JSON.
func (s Status) MarshalText() ([]byte, error) { return []byte(s.String()), nil }
