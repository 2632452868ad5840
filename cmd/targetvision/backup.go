package main

import (
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"

	"github.com/spf13/cobra"

	"github.com/targetvision/targetvision/internal/backup"
	"github.com/targetvision/targetvision/internal/blob"
	"github.com/targetvision/targetvision/internal/config"
	"github.com/targetvision/targetvision/internal/pipeline"
	"github.com/targetvision/targetvision/internal/store"
)

func newBackupCmd(e *env, cfg func() config.Config) *cobra.Command {
	return &cobra.Command{
		Use:   "backup FILE",
		Short: "Write a backup (database, secret key, thumbnails, renditions) to a tar file",
		Long: `Writes one tar file (FILE, or - for standard output) holding the SQLite
database, copied with SQLite's online backup API while servers keep
running, the generated secret key (DATA/secret.key: it encrypts stored
SmugMug tokens and signs sessions; keep the file private), and every
thumbnail and rendition from the blob store. CLIP models are not included
(` + "`models pull`" + ` fetches them again).

With PostgreSQL (DATABASE_URL) the file holds the key and the files; back
the database up with pg_dump (docs/deploy.md). ` + "`targetvision restore`" + ` reads it.`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			ctx := cmd.Context()
			a, err := openApp(ctx, cmd, e, cfg())
			if err != nil {
				return err
			}
			defer a.Close()
			blobs, err := a.blobs(ctx)
			if err != nil {
				return err
			}
			out, commit, err := createOutput(args[0], e.stdout)
			if err != nil {
				return err
			}
			sum, err := backup.Write(ctx, out, backup.Source{DB: a.db, DataDir: a.cfg.DataDir, Blobs: blobs,
				Prefixes: []string{pipeline.ThumbPrefix, pipeline.RenditionPrefix}})
			if err = commit(err); err != nil {
				return err
			}
			fmt.Fprintf(e.stderr, "backed up %s to %s\n", describe(sum), args[0])
			if sum.Dialect == store.Postgres {
				fmt.Fprintln(e.stderr, "the PostgreSQL database is not in it: back it up with pg_dump (docs/deploy.md)")
			}
			return nil
		},
	}
}

func newRestoreCmd(e *env, cfg func() config.Config) *cobra.Command {
	var force bool
	cmd := &cobra.Command{
		Use:   "restore FILE",
		Short: "Restore a backup made by `targetvision backup` (servers stopped)",
		Long: `Reads a backup (FILE, or - for standard input): the SQLite database and the
secret key go into the data directory, the thumbnails and renditions into
the blob store configured now (TARGETVISION_BLOB_URL, or the data
directory), so a restore can also move a library into object storage.
Stop every serve process first. A data directory that already has a
database or another secret key is left alone unless --force.

A PostgreSQL backup holds no database: restore that with pg_restore first
(docs/deploy.md), then this file.`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			c := cfg()
			ctx := cmd.Context()
			in := io.Reader(e.stdin)
			if args[0] != "-" {
				f, err := os.Open(args[0])
				if err != nil {
					return err
				}
				defer f.Close()
				in = f
			}
			blobs, err := blob.Open(ctx, blobOptions(c))
			if err != nil {
				return err
			}
			dialect := store.SQLite
			if c.DatabaseURL != "" {
				dialect = store.Postgres
			}
			sum, err := backup.Restore(ctx, in, backup.Target{DataDir: c.DataDir, Dialect: dialect, Blobs: blobs, Force: force})
			if err != nil {
				return err
			}
			fmt.Fprintf(e.stdout, "restored %s into %s and %s\n", describe(sum), c.DataDir, blobs.Describe())
			return nil
		},
	}
	cmd.Flags().BoolVar(&force, "force", false, "replace the database and secret key already in the data directory")
	return cmd
}

// createOutput opens the backup's destination: standard output for "-",
// else a private temporary file renamed into place only when the backup
// is whole (commit), so a failed run leaves no file that looks finished.
func createOutput(name string, stdout io.Writer) (io.Writer, func(error) error, error) {
	if name == "-" {
		return stdout, func(err error) error { return err }, nil
	}
	f, err := os.CreateTemp(filepath.Dir(name), filepath.Base(name)+".partial-*")
	if err != nil {
		return nil, nil, err
	}
	if err := f.Chmod(0o600); err != nil {
		f.Close()
		os.Remove(f.Name())
		return nil, nil, err
	}
	return f, func(err error) error {
		err = errors.Join(err, f.Sync(), f.Close())
		if err == nil {
			err = os.Rename(f.Name(), name)
		}
		if err != nil {
			os.Remove(f.Name())
		}
		return err
	}, nil
}

func describe(s backup.Summary) string {
	db := "no database (PostgreSQL)"
	if s.Dialect == store.SQLite {
		db = fmt.Sprintf("the database (%.1f MB)", float64(s.DatabaseBytes)/1e6)
	}
	key := "no secret key file"
	if s.SecretKey {
		key = "the secret key"
	}
	return fmt.Sprintf("%s, %s and %d files (%.1f MB)", db, key, s.Files, float64(s.FileBytes)/1e6)
}
