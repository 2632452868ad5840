package auth

import (
	"errors"
	"fmt"
	"net/mail"
	"strings"
)

// ReservedEmailSuffix ends the e-mail of the command line's default user;
// no account may be made with it (RFC 2606 reserves .invalid besides).
const ReservedEmailSuffix = ".invalid"

// AccountEmail checks and normalises (trims, lower-cases) the e-mail
// address of a new account; the error is a sentence for its owner.
func AccountEmail(raw string) (string, error) {
	email := strings.ToLower(strings.TrimSpace(raw))
	addr, err := mail.ParseAddress(email)
	at := strings.LastIndexByte(email, '@')
	if err != nil || addr.Address != email || len(email) > 254 || at < 1 || !strings.Contains(email[at:], ".") {
		return "", errors.New("enter a valid e-mail address, like ann@example.com")
	}
	if strings.HasSuffix(email, ReservedEmailSuffix) {
		return "", fmt.Errorf("addresses ending in %s are reserved; use your own e-mail address", ReservedEmailSuffix)
	}
	return email, nil
}
