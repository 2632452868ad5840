package main

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"image"
	"os"
	"path/filepath"
	"strings"

	"github.com/spf13/cobra"
	"golang.org/x/term"

	"github.com/targetvision/targetvision/internal/auth"
	"github.com/targetvision/targetvision/internal/clip"
	"github.com/targetvision/targetvision/internal/clipsetup"
	"github.com/targetvision/targetvision/internal/config"
	"github.com/targetvision/targetvision/internal/modelhub"
	"github.com/targetvision/targetvision/internal/photo"
	"github.com/targetvision/targetvision/internal/store"
)

func newMigrateCmd(e *env, cfg func() config.Config) *cobra.Command {
	return &cobra.Command{
		Use:   "migrate",
		Short: "Apply database migrations (serve and every command also do it at start)",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			c := cfg()
			db, err := store.Open(cmd.Context(), c.StoreDSN(), store.Options{SkipMigrate: true, TextLanguage: c.SearchLanguage})
			if err != nil {
				return err
			}
			defer db.Close()
			n, err := db.Migrate(cmd.Context())
			if err != nil {
				return err
			}
			fmt.Fprintf(e.stdout, "%s store: %d migrations applied; schema is current\n", db.Dialect(), n)
			return nil
		},
	}
}

func newUsersCmd(e *env, cfg func() config.Config) *cobra.Command {
	users := &cobra.Command{Use: "users", Short: "Manage accounts of a multi-user install"}
	var admin bool
	add := &cobra.Command{
		Use:   "add EMAIL",
		Short: "Add an account; the password is read from standard input",
		Long: `Adds an account. The password is read from the first line of standard input
(so it never appears in the process list or shell history), e.g.
  printf '%s\n' "$PASSWORD" | targetvision users add ann@example.com
On a terminal it is asked for, without echo, twice.`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			email, err := auth.AccountEmail(args[0])
			if err != nil {
				return err
			}
			hash, err := readNewPassword(e)
			if err != nil {
				return err
			}
			c := cfg()
			db, err := store.Open(cmd.Context(), c.StoreDSN(), store.Options{TextLanguage: c.SearchLanguage})
			if err != nil {
				return err
			}
			defer db.Close()
			u, err := db.CreateUser(cmd.Context(), email, hash, admin)
			if errors.Is(err, store.ErrConflict) {
				return fmt.Errorf("user %s already exists", email)
			}
			if err != nil {
				return err
			}
			fmt.Fprintf(e.stdout, "added user %d %s\n", u.ID, u.Email)
			return nil
		},
	}
	add.Flags().BoolVar(&admin, "admin", false, "make the account an administrator")
	passwd := &cobra.Command{
		Use:   "passwd EMAIL",
		Short: "Set an account's password and sign it out everywhere",
		Long: `Sets the password of an account (the administrator's reset), read like
` + "`users add`" + ` reads it, and ends every session of the account.`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			ctx := cmd.Context()
			c := cfg()
			db, err := store.Open(ctx, c.StoreDSN(), store.Options{})
			if err != nil {
				return err
			}
			defer db.Close()
			u, err := db.UserByEmail(ctx, args[0])
			if errors.Is(err, store.ErrNotFound) {
				return fmt.Errorf("no account %s", args[0])
			}
			if err != nil {
				return err
			}
			hash, err := readNewPassword(e)
			if err != nil {
				return err
			}
			if err := db.SetPassword(ctx, u.ID, hash); err != nil {
				return err
			}
			n, err := db.DeleteSessions(ctx, u.ID, "")
			if err != nil {
				return err
			}
			fmt.Fprintf(e.stdout, "password of %s set; %d sessions signed out\n", u.Email, n)
			return nil
		},
	}
	users.AddCommand(append([]*cobra.Command{add, passwd}, accountCmds(e, cfg)...)...)
	return users
}

// readNewPassword reads a new password — asked twice without echo on a
// terminal, else the first line of standard input — checks it and
// returns its hash.
func readNewPassword(e *env) (string, error) {
	var pw string
	if f, ok := e.stdin.(*os.File); ok && term.IsTerminal(int(f.Fd())) {
		ask := func(prompt string) (string, error) {
			fmt.Fprint(e.stderr, prompt)
			b, err := term.ReadPassword(int(f.Fd()))
			fmt.Fprintln(e.stderr)
			return string(b), err
		}
		first, err := ask("Password: ")
		if err != nil {
			return "", err
		}
		again, err := ask("Again: ")
		if err != nil {
			return "", err
		}
		if first != again {
			return "", errors.New("the two passwords differ")
		}
		pw = first
	} else {
		line, err := bufio.NewReader(e.stdin).ReadString('\n')
		if err != nil && line == "" {
			return "", errors.New("no password on standard input")
		}
		pw = strings.TrimRight(line, "\r\n")
	}
	if err := auth.ValidatePassword(pw); err != nil {
		return "", err
	}
	h, err := auth.NewPasswordHasher(auth.DefaultArgon2Params())
	if err != nil {
		return "", err
	}
	return h.Hash(pw)
}

func newSetupCodeCmd(e *env, cfg func() config.Config) *cobra.Command {
	return &cobra.Command{
		Use:   "setup-code",
		Short: "Print the code that creating the first (admin) account needs",
		Long: `Prints this server's setup code. While the server has no account, the first
sign-up in the web UI must give it: only someone who can read the server's
secret key (SECRET_KEY or DATA/secret.key) can, which is what keeps a stranger
— or a web page using DNS rebinding — from claiming a fresh server. Once an
account exists the code does nothing.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			secret, err := cfg().Secret()
			if err != nil {
				return err
			}
			code, err := auth.SetupCode(secret)
			if err != nil {
				return err
			}
			fmt.Fprintln(e.stdout, code)
			return nil
		},
	}
}

func newModelsCmd(e *env, cfg func() config.Config) *cobra.Command {
	models := &cobra.Command{Use: "models", Short: "Manage the CLIP model files"}
	var revision, checkImage string
	pull := &cobra.Command{
		Use:   "pull [NAME]",
		Short: "Download CLIP weights and tokenizer files into the data dir, and check them",
		Long: `Downloads config.json, model.safetensors, vocab.json and merges.txt of a CLIP
checkpoint from the model hub (HF_ENDPOINT) into DATA/models/, resuming an
interrupted download and checking each file against the hub's sha256.
NAME defaults to TARGETVISION_CLIP_MODEL (` + clip.DefaultModel + `).

Then it runs the model's self-check: it fetches the OpenAI CLIP README's image
(TARGETVISION_CLIP_CHECK_IMAGE, default the openai/CLIP repository's
CLIP.png; refused unless its SHA-256 is the one this binary carries) next to
the model, classifies it as the README does and prints the numbers. A model
that fails is removed. When the image cannot be fetched the model is
installed unchecked, and said so; it is checked at its first load once
CLIP.png is beside it.`,
		Args: cobra.MaximumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			c := cfg()
			name := modelName(c, args)
			dir := clip.ModelDir(c.DataDir, name)
			err := modelhub.Pull(cmd.Context(), modelhub.Options{Endpoint: c.HFEndpoint, Repo: name, Revision: revision,
				Dir: dir, Progress: e.stderr, Token: c.HFToken})
			if err != nil {
				return err
			}
			m, err := clip.Load(dir, clip.WithName(name))
			if err != nil {
				return fmt.Errorf("downloaded %s but it does not load: %w", name, err)
			}
			if err := selfCheck(cmd.Context(), e, m, name, dir, checkRef(c, checkImage, ""), true); err != nil {
				return err
			}
			fmt.Fprintf(e.stdout, "%s ready in %s (embedding dimension %d)\n", name, dir, m.Dim())
			return nil
		},
	}
	pull.Flags().StringVar(&revision, "revision", "main", "branch, tag or commit to download")
	pull.Flags().StringVar(&checkImage, "check-image", "", checkImageHelp)
	models.AddCommand(pull, newModelsImportCmd(e, cfg), newModelsCheckCmd(e, cfg))
	return models
}

// modelName is the model a models subcommand acts on: its NAME argument,
// else TARGETVISION_CLIP_MODEL.
func modelName(c config.Config, args []string) string {
	if len(args) == 1 {
		return args[0]
	}
	return c.CLIPModel
}

const checkImageHelp = "a copy of the OpenAI CLIP README's CLIP.png to check the model with, instead of fetching it from TARGETVISION_CLIP_CHECK_IMAGE (its SHA-256 must match)"

// checkSource is where a self-check gets its image: the --check-image
// file, else a copy in ref.From (an import's DIR), else
// TARGETVISION_CLIP_CHECK_IMAGE.
type checkSource struct {
	ref   clipsetup.Reference
	image string
}

// checkRef is the check source of the configuration and a command's flags.
func checkRef(c config.Config, image, from string) checkSource {
	return checkSource{ref: clipsetup.Reference{URL: c.CLIPCheckImage, From: from}, image: image}
}

// selfCheck runs the self-check of the model in dir (clipsetup.CheckNew:
// the published zero-shot result of ../shared/specs/clip.md §7.1) and
// prints the numbers. A model that fails is removed when remove is set (a
// fresh pull or import), so it is never loaded. A check that cannot run
// is said and, unless remove is unset (models check, which exists to run
// it), not an error.
func selfCheck(ctx context.Context, e *env, m *clip.Model, name, dir string, src checkSource, remove bool) error {
	if src.image != "" {
		if err := clipsetup.VerifyReference(src.image); err != nil {
			return err
		}
		b, err := os.ReadFile(src.image)
		if err != nil {
			return err
		}
		if err := os.WriteFile(filepath.Join(dir, clipsetup.ReferenceFile), b, 0o600); err != nil {
			return err
		}
	}
	out, err := clipsetup.CheckNew(ctx, m, name, dir, src.ref)
	if out.Ran {
		fmt.Fprintf(e.stdout, "self-check of %s on %s: %s\n", name, clipsetup.ReferenceFile, out.Result)
	}
	var failed *clipsetup.FailedError
	switch {
	case errors.As(err, &failed) && remove:
		os.RemoveAll(dir)
		return fmt.Errorf("%s failed its self-check and was removed: %s", name, failed.Result.Reason)
	case errors.As(err, &failed):
		return fmt.Errorf("%s failed its self-check: %s", name, failed.Result.Reason)
	case errors.Is(err, clipsetup.ErrReferenceMismatch):
		return fmt.Errorf("%w; the model's files were kept, unchecked: run the command again once the image is right", err)
	case err != nil:
		return err
	case !out.Ran && !remove:
		return fmt.Errorf("self-check could not run: %s", out.Skipped)
	case !out.Ran:
		fmt.Fprintf(e.stdout, "self-check skipped: %s\n", out.Skipped)
	}
	return nil
}

func newModelsCheckCmd(e *env, cfg func() config.Config) *cobra.Command {
	var imagePath string
	cmd := &cobra.Command{
		Use:   "check [--image CLIP.png] [NAME]",
		Short: "Check the installed CLIP model against the published zero-shot result",
		Long: `Classifies the OpenAI CLIP README's image (CLIP.png) among "a diagram", "a dog"
and "a cat" as the README does, and compares: for openai/clip-vit-base-patch32
each probability must be within 2e-3 of the published [0.9927937, 0.00421068,
0.00299572]; for any other checkpoint "a diagram" must win with p > 0.99.
The image is the CLIP.png next to the model (pull puts it there), else --image,
else fetched from TARGETVISION_CLIP_CHECK_IMAGE; its SHA-256 must be the one
this binary carries. Exits non-zero, with the numbers, when the model fails.`,
		Args: cobra.MaximumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			c := cfg()
			name := modelName(c, args)
			dir := clip.ModelDir(c.DataDir, name)
			m, err := clip.Load(dir, clip.WithName(name))
			if err != nil {
				return fmt.Errorf("%w (download it with `targetvision models pull`)", err)
			}
			src := checkRef(c, imagePath, "")
			if src.ref.URL == clipsetup.Off {
				src.ref.URL = "" // asked for: run it
			}
			return selfCheck(cmd.Context(), e, m, name, dir, src, false)
		},
	}
	cmd.Flags().StringVar(&imagePath, "image", "", "a copy of the OpenAI CLIP README's CLIP.png (default: the one next to the model, else fetched)")
	return cmd
}

func newModelsImportCmd(e *env, cfg func() config.Config) *cobra.Command {
	var checkImage string
	cmd := &cobra.Command{
		Use:   "import DIR [NAME]",
		Short: "Install a CLIP model copied from another machine (for servers without internet)",
		Long: `Installs the checkpoint in DIR — a model directory that ` + "`models pull`" + ` filled on
another machine (DATA/models/…), copied over — into this data directory.
Each file is checked against the size and sha256 that pull recorded when it
downloaded and verified it (source.json), so a damaged copy is refused and
nothing is installed; then the model must load. NAME defaults to the
repository recorded in DIR, else TARGETVISION_CLIP_MODEL. A directory
without recorded checksums (not from pull) is installed only if it loads,
and said so. Then the self-check runs as after pull, on DIR/CLIP.png when
the copy has it (pull leaves it there; checked against the hash this binary
carries), else on the image fetched from TARGETVISION_CLIP_CHECK_IMAGE.`,
		Args: cobra.RangeArgs(1, 2),
		RunE: func(cmd *cobra.Command, args []string) error {
			c := cfg()
			src := args[0]
			name := c.CLIPModel
			if b, err := os.ReadFile(filepath.Join(src, clip.SourceFile)); err == nil {
				var s clip.Source
				if json.Unmarshal(b, &s) == nil && s.Repo != "" {
					name = s.Repo
				}
			}
			if len(args) == 2 {
				name = args[1]
			}
			dir := clip.ModelDir(c.DataDir, name)
			if abs, _ := filepath.Abs(src); abs == dir {
				return fmt.Errorf("%s is already this data directory's model directory", src)
			}
			_, err := modelhub.Import(cmd.Context(), src, dir, nil)
			checked := "checksums verified"
			if errors.Is(err, modelhub.ErrNoChecksums) {
				checked, err = "no checksums recorded in "+src+": checked only that it loads", nil
			}
			if err != nil {
				return err
			}
			m, err := clip.Load(dir, clip.WithName(name))
			if err != nil {
				os.RemoveAll(dir)
				return fmt.Errorf("imported %s but it does not load, so it was removed: %w", name, err)
			}
			if err := selfCheck(cmd.Context(), e, m, name, dir, checkRef(c, checkImage, src), true); err != nil {
				return err
			}
			fmt.Fprintf(e.stdout, "%s ready in %s (embedding dimension %d; %s)\n", name, dir, m.Dim(), checked)
			if name != c.CLIPModel {
				fmt.Fprintf(e.stdout, "set TARGETVISION_CLIP_MODEL=%s to use it\n", name)
			}
			return nil
		},
	}
	cmd.Flags().StringVar(&checkImage, "check-image", "", checkImageHelp)
	return cmd
}

func newEmbedCmd(e *env, cfg func() config.Config) *cobra.Command {
	var imagePath, text, modelDir string
	var asJSON bool
	cmd := &cobra.Command{
		Use:   "embed (--image FILE | --text TEXT) [--model DIR] --json",
		Short: "Print the normalised CLIP embedding of an image or a text",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if (imagePath == "") == (text == "") {
				return errors.New("give exactly one of --image FILE or --text TEXT")
			}
			c := cfg()
			name := c.CLIPModel
			if modelDir == "" {
				modelDir = clip.ModelDir(c.DataDir, name)
			} else {
				name = ""
			}
			var opts []clip.Option
			if name != "" {
				opts = append(opts, clip.WithName(name))
			}
			m, err := clip.Load(modelDir, opts...)
			if err != nil {
				return fmt.Errorf("%w (download it with `targetvision models pull`)", err)
			}
			var vec []float32
			if text != "" {
				vec, err = m.EmbedText(cmd.Context(), text)
			} else {
				var img image.Image
				img, _, err = photo.Decode(cmd.Context(), imagePath, photo.Limits{MaxPixels: c.MaxPixels})
				if err != nil {
					return err
				}
				var vs [][]float32
				vs, err = m.EmbedImages(cmd.Context(), []image.Image{img})
				if err == nil {
					vec = vs[0]
				}
			}
			if err != nil {
				return err
			}
			out := struct {
				Model     string    `json:"model"`
				Dim       int       `json:"dim"`
				Embedding []float32 `json:"embedding"`
			}{m.Name(), len(vec), vec}
			if asJSON {
				return json.NewEncoder(e.stdout).Encode(out)
			}
			fmt.Fprintf(e.stdout, "model %s, dimension %d\n%v\n", out.Model, out.Dim, out.Embedding)
			return nil
		},
	}
	cmd.Flags().StringVar(&imagePath, "image", "", "image file to embed")
	cmd.Flags().StringVar(&text, "text", "", "text to embed")
	cmd.Flags().StringVar(&modelDir, "model", "", "checkpoint directory (default: the pulled TARGETVISION_CLIP_MODEL)")
	cmd.Flags().BoolVar(&asJSON, "json", false, "print JSON")
	return cmd
}
