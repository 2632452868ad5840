package main

import (
	"errors"

	"github.com/spf13/cobra"

	"github.com/targetvision/targetvision/internal/config"
)

func newBenchCmd(e *env, cfg func() config.Config) *cobra.Command {
	b := &cobra.Command{Use: "bench", Short: "Measure search speed and recall on synthetic data"}
	b.AddCommand(&cobra.Command{
		Use:   "search",
		Short: "Benchmark search on a scratch store with N synthetic photos",
		RunE: func(cmd *cobra.Command, _ []string) error {
			return errors.New("bench search is not available yet")
		},
	})
	return b
}
