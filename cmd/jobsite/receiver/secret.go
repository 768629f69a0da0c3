package receiver

import (
	"crypto/pbkdf2"
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	_ "embed"
	"encoding/base64"
	"errors"
	"fmt"
	"io"
	"math/big"
	"strconv"
	"strings"
)

// MinIterations is the least PBKDF2-SHA256 work factor accepted for
// passwords and login tokens.
const MinIterations = 100_000

// DefaultIterations is the PBKDF2-SHA256 work factor of new hashes.
const DefaultIterations = 210_000

const hashPrefix = "pbkdf2_sha256"

// HashSecret returns a salted PBKDF2-SHA256 hash of secret in the form
// "pbkdf2_sha256$<iterations>$<salt>$<hash>" (salt and hash in unpadded
// base64). Use it for config passwords (`jobsite hash-password`).
func HashSecret(secret string) (string, error) {
	return hashSecret(secret, DefaultIterations)
}

func hashSecret(secret string, iterations int) (string, error) {
	salt := make([]byte, 16)
	if _, err := rand.Read(salt); err != nil {
		return "", fmt.Errorf("salt: %w", err)
	}
	key, err := pbkdf2.Key(sha256.New, secret, salt, iterations, 32)
	if err != nil {
		return "", fmt.Errorf("pbkdf2: %w", err)
	}
	enc := base64.RawStdEncoding
	return fmt.Sprintf("%s$%d$%s$%s", hashPrefix, iterations, enc.EncodeToString(salt), enc.EncodeToString(key)), nil
}

type secretHash struct {
	iterations int
	salt, key  []byte
}

func parseSecretHash(s string) (secretHash, error) {
	parts := strings.Split(s, "$")
	if len(parts) != 4 || parts[0] != hashPrefix {
		return secretHash{}, errors.New("hash must look like pbkdf2_sha256$<iterations>$<salt>$<hash>")
	}
	iter, err := strconv.Atoi(parts[1])
	if err != nil || iter < MinIterations || iter > 10_000_000 {
		return secretHash{}, fmt.Errorf("hash iterations must be between %d and 10000000", MinIterations)
	}
	enc := base64.RawStdEncoding
	salt, err1 := enc.DecodeString(parts[2])
	key, err2 := enc.DecodeString(parts[3])
	if err1 != nil || err2 != nil || len(salt) < 8 || len(key) != 32 {
		return secretHash{}, errors.New("hash has a malformed salt or key")
	}
	return secretHash{iterations: iter, salt: salt, key: key}, nil
}

// VerifySecret reports whether secret matches a hash made by HashSecret.
// The comparison is constant-time; a malformed hash never matches.
func VerifySecret(secret, hash string) bool {
	h, err := parseSecretHash(hash)
	if err != nil {
		return false
	}
	key, err := pbkdf2.Key(sha256.New, secret, h.salt, h.iterations, len(h.key))
	if err != nil {
		return false
	}
	return subtle.ConstantTimeCompare(key, h.key) == 1
}

//go:embed words.txt
var wordsFile string

// loadWords returns the token word list, skipping comment lines.
func loadWords() []string {
	var words []string
	for line := range strings.Lines(wordsFile) {
		line = strings.TrimSpace(line)
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		words = append(words, line)
	}
	return words
}

// generateToken returns three random words from words,
// separated by single spaces, drawn uniformly with the reader r (nil
// means crypto/rand).
func generateToken(r io.Reader, words []string) (string, error) {
	if r == nil {
		r = rand.Reader
	}
	if len(words) == 0 {
		return "", errors.New("empty word list")
	}
	picked := make([]string, 3)
	n := big.NewInt(int64(len(words)))
	for i := range picked {
		k, err := rand.Int(r, n)
		if err != nil {
			return "", fmt.Errorf("random word: %w", err)
		}
		picked[i] = words[k.Int64()]
	}
	return strings.Join(picked, " "), nil
}

// NormaliseToken removes surrounding whitespace and every space, so
// "a b c", "abc" and " a  b c " are the same token. Case is kept.
func NormaliseToken(token string) string {
	return strings.ReplaceAll(strings.TrimSpace(token), " ", "")
}
