package main

import (
	"errors"
	"fmt"

	"github.com/spf13/cobra"

	"github.com/targetvision/targetvision/internal/claude"
	"github.com/targetvision/targetvision/internal/config"
	"github.com/targetvision/targetvision/internal/smugsync"
	"github.com/targetvision/targetvision/internal/store"
)

func newSmugMugCmd(e *env, cfg func() config.Config) *cobra.Command {
	sm := &cobra.Command{Use: "smugmug", Short: "Connect a SmugMug account"}
	var noSync bool
	connect := &cobra.Command{
		Use:   "connect",
		Short: "Connect SmugMug with the OAuth 1.0a PIN flow, then sync it",
		Long: `Prints a SmugMug authorisation URL; open it, allow TargetVision, and type the
six-digit PIN SmugMug shows. The access token is stored encrypted with
SECRET_KEY. Needs SMUGMUG_API_KEY and SMUGMUG_API_SECRET (an API key from
https://api.smugmug.com/api/developer/apply). Connecting the same account again
renews its token. Afterwards the library is synced (skip with --no-sync).`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			c := cfg()
			if c.SmugMugAPIKey == "" || c.SmugMugAPISecret == "" {
				return errors.New("set SMUGMUG_API_KEY and SMUGMUG_API_SECRET first (see `targetvision smugmug connect --help`)")
			}
			ctx := cmd.Context()
			a, err := openApp(ctx, cmd, e, c)
			if err != nil {
				return err
			}
			defer a.Close()
			box, err := a.smugmugBox()
			if err != nil {
				return err
			}
			src, err := smugsync.ConnectPIN(ctx, a.db, box, a.smugmugConfig(), a.user.ID, e.stdin, e.stdout)
			if err != nil {
				return err
			}
			fmt.Fprintf(e.stdout, "connected SmugMug account %s (source %d)\n", src.Name, src.ID)
			if noSync {
				return nil
			}
			return a.syncAndDrain(ctx, e, []store.Source{src}, drainOptions{mode: claude.ModeAuto})
		},
	}
	connect.Flags().BoolVar(&noSync, "no-sync", false, "connect only; sync later with `targetvision sync`")
	sm.AddCommand(connect)
	return sm
}
