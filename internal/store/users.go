package store

import (
	"context"
	"errors"
	"fmt"
	"strings"
)

const userCols = "id, email, password_hash, is_admin, created_at"

func scanUser(row interface{ Scan(...any) error }, u *User) error {
	return row.Scan(&u.ID, &u.Email, &u.PasswordHash, &u.IsAdmin, tm(&u.CreatedAt))
}

// EnsureDefaultUser returns the default local user — the account the
// command line works as without --user — creating it on a fresh store. It
// is found by its flag, never by e-mail: an account that signs up with the
// reserved address is not the CLI's user, and the account that claims the
// default user (ClaimDefaultUser) stays it, photos and all.
func (s *DB) EnsureDefaultUser(ctx context.Context) (User, error) {
	u, err := s.defaultUser(ctx)
	if !errors.Is(err, ErrNotFound) {
		return u, err
	}
	err = scanUser(s.db.QueryRowContext(ctx,
		"INSERT INTO users (email, password_hash, is_admin, is_default, created_at) VALUES ($1, '', $2, $2, $3) RETURNING "+userCols,
		DefaultUserEmail, true, s.ts(s.now())), &u)
	switch {
	case err == nil:
		return u, nil
	case isUnique(err):
		// Created concurrently — or an account from before the address was
		// reserved holds it, which defaultUser then does not return.
		u, err = s.defaultUser(ctx)
		if errors.Is(err, ErrNotFound) {
			return User{}, fmt.Errorf("store: the default user's address %s belongs to another account: %w", DefaultUserEmail, ErrConflict)
		}
		return u, err
	}
	return User{}, fmt.Errorf("store: create default user: %w", err)
}

func (s *DB) defaultUser(ctx context.Context) (User, error) {
	var u User
	err := scanUser(s.db.QueryRowContext(ctx, "SELECT "+userCols+" FROM users WHERE is_default"), &u)
	if err != nil {
		return User{}, notFound("default user", err)
	}
	return u, nil
}

// CreateUser adds an account. The e-mail is stored lower-cased; a taken
// e-mail is ErrConflict.
func (s *DB) CreateUser(ctx context.Context, email, passwordHash string, isAdmin bool) (User, error) {
	var u User
	err := scanUser(s.db.QueryRowContext(ctx,
		"INSERT INTO users (email, password_hash, is_admin, created_at) VALUES ($1, $2, $3, $4) RETURNING "+userCols,
		normEmail(email), passwordHash, isAdmin, s.ts(s.now())), &u)
	if isUnique(err) {
		return User{}, fmt.Errorf("store: create user %s: %w", email, ErrConflict)
	}
	if err != nil {
		return User{}, fmt.Errorf("store: create user: %w", err)
	}
	return u, nil
}

// ClaimDefaultUser turns the unclaimed default user into the given admin
// account (keeping its photos and sources), as the first web sign-up does.
// It is one conditional UPDATE, so of any number of concurrent claims
// exactly one succeeds; the others, and any claim after it, get ErrNotFound.
func (s *DB) ClaimDefaultUser(ctx context.Context, email, passwordHash string) (User, error) {
	var u User
	err := scanUser(s.db.QueryRowContext(ctx,
		"UPDATE users SET email = $1, password_hash = $2, is_admin = $3 WHERE is_default AND password_hash = '' RETURNING "+userCols,
		normEmail(email), passwordHash, true), &u)
	if isUnique(err) {
		return User{}, fmt.Errorf("store: claim default user: %w", ErrConflict)
	}
	if err != nil {
		return User{}, notFound("claim default user", err)
	}
	return u, nil
}

// UserByEmail finds an account by e-mail (case-insensitive).
func (s *DB) UserByEmail(ctx context.Context, email string) (User, error) {
	var u User
	err := scanUser(s.db.QueryRowContext(ctx, "SELECT "+userCols+" FROM users WHERE email = $1", normEmail(email)), &u)
	if err != nil {
		return User{}, notFound("user "+email, err)
	}
	return u, nil
}

// UserByID finds an account by id.
func (s *DB) UserByID(ctx context.Context, id int64) (User, error) {
	var u User
	err := scanUser(s.db.QueryRowContext(ctx, "SELECT "+userCols+" FROM users WHERE id = $1", id), &u)
	if err != nil {
		return User{}, notFound(fmt.Sprintf("user %d", id), err)
	}
	return u, nil
}

// CountUsers counts accounts with a password (the default user does not count).
func (s *DB) CountUsers(ctx context.Context) (int, error) {
	var n int
	if err := s.db.QueryRowContext(ctx, "SELECT COUNT(*) FROM users WHERE password_hash <> ''").Scan(&n); err != nil {
		return 0, fmt.Errorf("store: count users: %w", err)
	}
	return n, nil
}

func normEmail(e string) string { return strings.ToLower(strings.TrimSpace(e)) }

func isConflict(err error) bool { return errors.Is(err, ErrConflict) }

// SetPassword replaces the user's password hash.
func (s *DB) SetPassword(ctx context.Context, userID int64, passwordHash string) error {
	res, err := s.db.ExecContext(ctx, "UPDATE users SET password_hash = $1 WHERE id = $2", passwordHash, userID)
	return affected(res, err, fmt.Sprintf("set password of user %d", userID))
}
