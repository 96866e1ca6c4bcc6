package webhookinspector

import (
	"crypto/rand"
	"crypto/rsa"
	"fmt"
	"time"

	"github.com/golang-jwt/jwt/v5"
	"github.com/google/uuid"
)

// Claims are the claims of a Vonage webhook token (SPEC §1.2).
type Claims struct {
	IssuedAt      time.Time
	JTI           string
	Issuer        string
	PayloadHash   string
	APIKey        string
	ApplicationID string
	// Extra holds further claims (exp, nbf, …) copied as they are.
	Extra map[string]any
}

// NewClaims returns claims issued now with a fresh jti and iss "Vonage".
func NewClaims(now time.Time, apiKey, applicationID, payloadHash string) Claims {
	return Claims{IssuedAt: now, JTI: uuid.NewString(), Issuer: "Vonage", PayloadHash: payloadHash, APIKey: apiKey, ApplicationID: applicationID}
}

func (c Claims) mapClaims() jwt.MapClaims {
	m := jwt.MapClaims{}
	for k, v := range c.Extra {
		m[k] = v
	}
	m["iat"] = c.IssuedAt.Unix()
	m["jti"] = c.JTI
	m["iss"] = c.Issuer
	m["payload_hash"] = c.PayloadHash
	if c.APIKey != "" {
		m["api_key"] = c.APIKey
	}
	if c.ApplicationID != "" {
		m["application_id"] = c.ApplicationID
	}
	return m
}

// Sign makes an HS256 token as the voice API does, keyed with the signature
// secret's bytes as they are (SPEC §1.3).
func Sign(c Claims, secret string) (string, error) {
	s, err := jwt.NewWithClaims(jwt.SigningMethodHS256, c.mapClaims()).SignedString([]byte(secret))
	if err != nil {
		return "", fmt.Errorf("sign webhook token: %w", err)
	}
	return s, nil
}

// SignRS256 makes an RS256 token with a throwaway RSA key: the "alg" tamper
// kind, which a correct verifier must refuse whatever the signature.
func SignRS256(c Claims) (string, error) {
	key, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		return "", fmt.Errorf("make rsa key: %w", err)
	}
	s, err := jwt.NewWithClaims(jwt.SigningMethodRS256, c.mapClaims()).SignedString(key)
	if err != nil {
		return "", fmt.Errorf("sign rs256 token: %w", err)
	}
	return s, nil
}
