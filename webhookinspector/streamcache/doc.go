// Package streamcache fetches the audio that NCCO `stream` actions point at
// through a private HTTP cache that follows RFC 9111, and explains in plain
// words what the voice platform (a shared cache with the same rules) will do
// with the same headers.
//
// # Caching rules (RFC 9111, SPEC §6.8)
//
// Only GET and only 200 responses are stored; no-store and Vary: * are never
// stored. Freshness comes from max-age, else Expires − Date, else 10 % of
// Date − Last-Modified; s-maxage and proxy-revalidate are ignored (this is a
// private cache) but s-maxage is used in the platform prediction. Ages follow
// §4.2.3 (Age header, request and response times). Stale or no-cache copies
// are revalidated with If-None-Match / If-Modified-Since; a 304 merges its
// header fields into the stored ones. Stored responses match a request only
// when every field named by Vary is equal. When the origin cannot be reached
// a stale copy is served (status "stale") unless it says must-revalidate or
// no-cache.
//
// # Storage
//
// Bodies are files under Options.Dir/bodies and metadata rows in
// Options.Dir/streamcache.db (SQLite, WAL, synchronous=FULL). A body is
// written to a temporary file, fsynced and renamed before its row commits,
// and files without a row are deleted on Open, so a download killed half way
// never becomes a hit. A per-file cap and a total cap apply; the least
// recently used bodies are evicted first. The audio probe (format, rate,
// duration, platform acceptance) runs when a body is stored; waveform peaks
// are decoded once, on the first [Cache.Peaks] call, and stored with it.
//
// # Use
//
//	c, err := streamcache.Open(ctx, streamcache.Options{Dir: filepath.Join(paths.CacheDir, "streams")})
//	res, err := c.Fetch(ctx, "https://example.com/prompt.mp3")
//	fmt.Println(res.Report.Status, res.Report.Prediction)
//	f, err := c.OpenBody(ctx, url) // then audiofile.NewReader(f)
//
// The package imports no GUI, SIP or device code. It does not parse NCCOs:
// callers pass the stream URLs they extracted to [Cache.AddURLs].
package streamcache
