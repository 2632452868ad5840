package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"
)

const userCols = "id, email, password_hash, is_admin, created_at, disabled_at"

func scanUser(row interface{ Scan(...any) error }, u *User) error {
	return row.Scan(&u.ID, &u.Email, &u.PasswordHash, &u.IsAdmin, tm(&u.CreatedAt), tm(&u.DisabledAt))
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

// ErrLastAdmin means the change would leave the server without an
// administrator who can sign in.
var ErrLastAdmin = errors.New("store: the last administrator cannot be disabled or removed")

// Users lists every account, oldest first, the command line's unclaimed
// default user included (it has no password).
func (s *DB) Users(ctx context.Context) ([]User, error) {
	rows, err := s.db.QueryContext(ctx, "SELECT "+userCols+" FROM users ORDER BY id")
	if err != nil {
		return nil, fmt.Errorf("store: list users: %w", err)
	}
	defer rows.Close()
	var out []User
	for rows.Next() {
		var u User
		if err := scanUser(rows, &u); err != nil {
			return nil, fmt.Errorf("store: list users: %w", err)
		}
		out = append(out, u)
	}
	return out, rows.Err()
}

// SetUserDisabled disables an account or enables it again. Disabling ends
// its sessions in the same transaction, and its API tokens stop resolving
// (APITokenByDigest), so it is locked out at once; its photos stay. The
// last enabled administrator is not disabled (ErrLastAdmin).
func (s *DB) SetUserDisabled(ctx context.Context, id int64, disabled bool) error {
	return s.inTx(ctx, func(tx *sql.Tx) error {
		if !disabled {
			res, err := tx.ExecContext(ctx, "UPDATE users SET disabled_at = NULL WHERE id = $1", id)
			return affected(res, err, fmt.Sprintf("enable user %d", id))
		}
		if err := lastAdminGuard(ctx, tx, id); err != nil {
			return err
		}
		res, err := tx.ExecContext(ctx, "UPDATE users SET disabled_at = COALESCE(disabled_at, $1) WHERE id = $2", s.ts(s.now()), id)
		if err := affected(res, err, fmt.Sprintf("disable user %d", id)); err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, "DELETE FROM sessions WHERE user_id = $1", id); err != nil {
			return fmt.Errorf("store: end sessions of user %d: %w", id, err)
		}
		return nil
	})
}

// DeleteUser removes an account with everything it owns — sources, photos,
// descriptions, embeddings, jobs, sessions, tokens, settings — and returns
// the ids of its photos, whose derived files the caller removes. The last
// enabled administrator is not removed (ErrLastAdmin); neither is the
// command line's default user while it is unclaimed (ErrConflict).
func (s *DB) DeleteUser(ctx context.Context, id int64) ([]int64, error) {
	var ids []int64
	err := s.inTx(ctx, func(tx *sql.Tx) error {
		if err := lastAdminGuard(ctx, tx, id); err != nil {
			return err
		}
		var err error
		if ids, err = queryIDs(ctx, tx, "SELECT id FROM photos WHERE user_id = $1 ORDER BY id", id); err != nil {
			return fmt.Errorf("store: delete user %d: %w", id, err)
		}
		// Photos first, by their own cascade (embeddings, text, metadata;
		// SQLite's full-text table by hand, as DeleteSource does), then the
		// account and the rest of what references it.
		stmts := []string{"DELETE FROM photos WHERE user_id = $1"}
		if s.dialect == SQLite {
			stmts = append([]string{"DELETE FROM photo_fts WHERE rowid IN (SELECT id FROM photos WHERE user_id = $1)"}, stmts...)
		}
		for _, q := range stmts {
			if _, err := tx.ExecContext(ctx, q, id); err != nil {
				return fmt.Errorf("store: delete photos of user %d: %w", id, err)
			}
		}
		res, err := tx.ExecContext(ctx, "DELETE FROM users WHERE id = $1 AND NOT (is_default AND password_hash = '')", id)
		if err := affected(res, err, fmt.Sprintf("delete user %d", id)); err != nil {
			var n int
			if qerr := tx.QueryRowContext(ctx, "SELECT COUNT(*) FROM users WHERE id = $1", id).Scan(&n); qerr == nil && n > 0 {
				return fmt.Errorf("store: the command line's default user is not an account to remove: %w", ErrConflict)
			}
			return err
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	return ids, nil
}

// lastAdminGuard refuses a change that would leave no enabled
// administrator with a password, when id is one.
func lastAdminGuard(ctx context.Context, tx *sql.Tx, id int64) error {
	var others, self int
	err := tx.QueryRowContext(ctx, `SELECT
		COUNT(*) FILTER (WHERE id <> $1),
		COUNT(*) FILTER (WHERE id = $1)
		FROM users WHERE is_admin AND disabled_at IS NULL AND password_hash <> ''`, id).Scan(&others, &self)
	if err != nil {
		return fmt.Errorf("store: count administrators: %w", err)
	}
	if self > 0 && others == 0 {
		return ErrLastAdmin
	}
	return nil
}
