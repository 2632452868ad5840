package localsource

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
)

// NotAllowedError is Allowed's refusal; its message is for the person who
// asked to add the folder.
type NotAllowedError struct{ Reason string }

func (e *NotAllowedError) Error() string { return e.Reason }

func notAllowed(format string, a ...any) error {
	return &NotAllowedError{Reason: fmt.Sprintf(format, a...)}
}

// Policy says which folders may become local sources.
type Policy struct {
	// DataDir is the server's data directory. A folder inside it (the
	// thumbnails and renditions of every user's photos, SmugMug's private
	// ones among them) or holding it is never a source.
	DataDir string
	// Roots are the folders under which sources may be added; nil allows
	// any folder (the command line: its user owns the machine). A web
	// request passes the operator's TARGETVISION_FOLDER_ROOTS.
	Roots []string
}

// Allowed checks dir against the policy and returns it cleaned and with
// symbolic links resolved — the folder that will really be read, so a link
// under a root cannot lead outside it. A refusal is a *NotAllowedError.
func (p Policy) Allowed(dir string) (string, error) {
	if !filepath.IsAbs(dir) {
		return "", notAllowed("%s is not an absolute path", dir)
	}
	real, err := filepath.EvalSymlinks(filepath.Clean(dir))
	if err != nil {
		return "", notAllowed("%s is not a folder the server can read", dir)
	}
	if fi, err := os.Stat(real); err != nil || !fi.IsDir() {
		return "", notAllowed("%s is not a folder the server can read", dir)
	}
	if p.DataDir != "" {
		data, err := resolveAbs(p.DataDir)
		if err != nil {
			return "", fmt.Errorf("localsource: data directory %s: %w", p.DataDir, err)
		}
		if inOrAt(real, data) || inOrAt(data, real) {
			return "", notAllowed("%s overlaps TargetVision's data directory %s, which holds every user's thumbnails and renditions",
				dir, p.DataDir)
		}
	}
	if p.Roots == nil {
		return real, nil
	}
	for _, root := range p.Roots {
		if r, err := resolveAbs(root); err == nil && inOrAt(real, r) {
			return real, nil
		}
	}
	if len(p.Roots) == 0 {
		return "", notAllowed("this server allows no folders to be added from the web; its operator sets TARGETVISION_FOLDER_ROOTS")
	}
	return "", notAllowed("%s is not under the folders this server allows (%s); its operator sets TARGETVISION_FOLDER_ROOTS",
		dir, strings.Join(p.Roots, ", "))
}

// resolveAbs makes path absolute and resolves its symbolic links, as far
// as it exists.
func resolveAbs(path string) (string, error) {
	abs, err := filepath.Abs(path)
	if err != nil {
		return "", err
	}
	if real, err := filepath.EvalSymlinks(abs); err == nil {
		return real, nil
	}
	return abs, nil
}

// inOrAt reports whether path is dir or inside it.
func inOrAt(path, dir string) bool {
	rel, err := filepath.Rel(dir, path)
	return err == nil && rel != ".." && !strings.HasPrefix(rel, ".."+string(filepath.Separator))
}
