package main

import (
	"errors"
	"fmt"
	"strconv"
	"text/tabwriter"
	"time"

	"github.com/spf13/cobra"

	"github.com/targetvision/targetvision/internal/config"
	"github.com/targetvision/targetvision/internal/httpapi"
	"github.com/targetvision/targetvision/internal/pipeline"
	"github.com/targetvision/targetvision/internal/store"
)

// accountCmds are the `users` subcommands that list, disable, enable and
// remove accounts (beside `add` and `passwd`).
func accountCmds(e *env, cfg func() config.Config) []*cobra.Command {
	list := &cobra.Command{
		Use:   "list",
		Short: "List accounts: e-mail, administrator, disabled",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			db, err := openConfiguredStore(cmd, cfg())
			if err != nil {
				return err
			}
			defer db.Close()
			us, err := db.Users(cmd.Context())
			if err != nil {
				return err
			}
			w := tabwriter.NewWriter(e.stdout, 0, 4, 2, ' ', 0)
			fmt.Fprintln(w, "ID\tE-MAIL\tROLE\tSTATE\tCREATED")
			for _, u := range us {
				role, state := "user", "active"
				if u.IsAdmin {
					role = "admin"
				}
				switch {
				case u.PasswordHash == "":
					state = "command line only (no password yet)"
				case u.Disabled():
					state = "disabled " + u.DisabledAt.Format(time.DateOnly)
				}
				fmt.Fprintf(w, "%d\t%s\t%s\t%s\t%s\n", u.ID, u.Email, role, state, u.CreatedAt.Format(time.DateOnly))
			}
			return w.Flush()
		},
	}
	setDisabled := func(use, short string, disabled bool) *cobra.Command {
		return &cobra.Command{
			Use:   use + " EMAIL",
			Short: short,
			Args:  cobra.ExactArgs(1),
			RunE: func(cmd *cobra.Command, args []string) error {
				db, err := openConfiguredStore(cmd, cfg())
				if err != nil {
					return err
				}
				defer db.Close()
				u, err := accountByEmail(cmd, db, args[0])
				if err != nil {
					return err
				}
				if err := db.SetUserDisabled(cmd.Context(), u.ID, disabled); errors.Is(err, store.ErrLastAdmin) {
					return fmt.Errorf("%s is the last administrator; make another account admin first", u.Email)
				} else if err != nil {
					return err
				}
				fmt.Fprintf(e.stdout, "%s %sd\n", u.Email, use)
				return nil
			},
		}
	}
	disable := setDisabled("disable", "Disable an account: it cannot sign in, and its sessions and API tokens stop working at once", true)
	enable := setDisabled("enable", "Enable a disabled account again", false)
	var yes bool
	remove := &cobra.Command{
		Use:   "remove EMAIL",
		Short: "Remove an account with its sources, photos, descriptions, sessions and tokens",
		Long: `Removes an account and everything TargetVision holds for it: its sources,
photos, thumbnails, descriptions, embeddings, jobs, sessions and API tokens.
The photo files themselves are not touched. Asks for --yes.`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			c := cfg()
			db, err := openConfiguredStore(cmd, c)
			if err != nil {
				return err
			}
			defer db.Close()
			u, err := accountByEmail(cmd, db, args[0])
			if err != nil {
				return err
			}
			if !yes {
				_, n, err := db.ListPhotos(cmd.Context(), u.ID, store.Filter{}, 1, 0)
				if err != nil {
					return err
				}
				return fmt.Errorf("this removes %s and its %d photos from TargetVision (the files stay); run again with --yes to go ahead", u.Email, n)
			}
			p := pipeline.New(db, pipeline.Options{DataDir: c.DataDir})
			n, err := p.RemoveUser(cmd.Context(), u.ID)
			switch {
			case errors.Is(err, store.ErrLastAdmin):
				return fmt.Errorf("%s is the last administrator; make another account admin first", u.Email)
			case errors.Is(err, store.ErrConflict):
				return fmt.Errorf("%s is the command line's own user, not an account to remove", u.Email)
			case err != nil:
				return err
			}
			fmt.Fprintf(e.stdout, "removed %s and its %d photos\n", u.Email, n)
			return nil
		},
	}
	remove.Flags().BoolVar(&yes, "yes", false, "remove without asking")
	return []*cobra.Command{list, disable, enable, remove}
}

// openConfiguredStore opens the configured store (migrated).
func openConfiguredStore(cmd *cobra.Command, c config.Config) (*store.DB, error) {
	return store.Open(cmd.Context(), c.StoreDSN(), store.Options{TextLanguage: c.SearchLanguage})
}

func accountByEmail(cmd *cobra.Command, db *store.DB, email string) (store.User, error) {
	u, err := db.UserByEmail(cmd.Context(), email)
	if errors.Is(err, store.ErrNotFound) {
		return store.User{}, fmt.Errorf("no account %s (`targetvision users list` lists them)", email)
	}
	return u, err
}

func newTokensCmd(e *env, cfg func() config.Config) *cobra.Command {
	tokens := &cobra.Command{
		Use:   "tokens",
		Short: "Create, list and revoke API tokens (of the local user, or --user)",
		Long: `API tokens let scripts use the JSON API: send "Authorization: Bearer tvk_…".
A read-only token may only read (GET); a read-write token may do what its
user may, except create or revoke tokens, change the password or manage
accounts. Only a token's digest is stored: it is shown once, when created.`,
	}
	var readOnly bool
	create := &cobra.Command{
		Use:   "create NAME",
		Short: "Create a token and print it (shown this once)",
		Args:  cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			a, err := openApp(cmd.Context(), cmd, e, cfg())
			if err != nil {
				return err
			}
			defer a.Close()
			t, err := httpapi.CreateAPIToken(cmd.Context(), a.db, a.user.ID, args[0], readOnly)
			if err != nil {
				return err
			}
			scope := "read-write"
			if readOnly {
				scope = "read-only"
			}
			fmt.Fprintf(e.stderr, "created %s token %d %q for %s; it is shown this once:\n", scope, t.ID, t.Name, a.user.Email)
			fmt.Fprintln(e.stdout, t.Token)
			return nil
		},
	}
	create.Flags().BoolVar(&readOnly, "read-only", false, "the token may only read (GET requests)")
	list := &cobra.Command{
		Use:   "list",
		Short: "List tokens: id, name, scope, created, last used",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			a, err := openApp(cmd.Context(), cmd, e, cfg())
			if err != nil {
				return err
			}
			defer a.Close()
			ts, err := a.db.APITokens(cmd.Context(), a.user.ID)
			if err != nil {
				return err
			}
			w := tabwriter.NewWriter(e.stdout, 0, 4, 2, ' ', 0)
			fmt.Fprintln(w, "ID\tNAME\tSCOPE\tTOKEN\tCREATED\tLAST USED")
			for _, t := range ts {
				scope, used := "read-write", "never"
				if t.ReadOnly {
					scope = "read-only"
				}
				if !t.LastUsedAt.IsZero() {
					used = t.LastUsedAt.Local().Format(time.DateTime)
				}
				fmt.Fprintf(w, "%d\t%s\t%s\t%s…\t%s\t%s\n", t.ID, t.Name, scope, t.Hint, t.CreatedAt.Local().Format(time.DateOnly), used)
			}
			return w.Flush()
		},
	}
	revoke := &cobra.Command{
		Use:   "revoke ID",
		Short: "Revoke a token: it stops working at once",
		Args:  cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			id, err := strconv.ParseInt(args[0], 10, 64)
			if err != nil {
				return fmt.Errorf("token id %q is not a number (`targetvision tokens list` shows them)", args[0])
			}
			a, err := openApp(cmd.Context(), cmd, e, cfg())
			if err != nil {
				return err
			}
			defer a.Close()
			if err := a.db.DeleteAPIToken(cmd.Context(), a.user.ID, id); errors.Is(err, store.ErrNotFound) {
				return fmt.Errorf("%s has no token %d", a.user.Email, id)
			} else if err != nil {
				return err
			}
			fmt.Fprintf(e.stdout, "revoked token %d\n", id)
			return nil
		},
	}
	tokens.AddCommand(create, list, revoke)
	return tokens
}
