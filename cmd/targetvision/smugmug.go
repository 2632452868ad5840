package main

import (
	"errors"

	"github.com/spf13/cobra"

	"github.com/targetvision/targetvision/internal/config"
)

func newSmugMugCmd(e *env, cfg func() config.Config) *cobra.Command {
	sm := &cobra.Command{Use: "smugmug", Short: "Connect a SmugMug account"}
	sm.AddCommand(&cobra.Command{
		Use:   "connect",
		Short: "Connect SmugMug with the OAuth 1.0a PIN flow",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			return errors.New("smugmug connect is not available yet (SmugMug support is being wired in)")
		},
	})
	return sm
}
