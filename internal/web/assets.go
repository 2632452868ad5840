package web

import (
	"bytes"
	"compress/gzip"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io/fs"
	"mime"
	"path"
	"regexp"
	"slices"
	"strings"
)

// hashLen is how many hex digits of the SHA-256 go into a hashed name:
// 10 digits (40 bits) cannot collide by accident among a few dozen files.
const hashLen = 10

// asset is one static file ready to serve.
type asset struct {
	// name is the logical path under static/ ("js/app.js").
	name string
	// hashed is the content-hashed path ("js/app.3f2a1c9d0b.js").
	hashed string
	// body is the content as served; for JavaScript, with relative imports
	// rewritten to the hashed names.
	body []byte
	// gz is body gzip-compressed, or nil when compression does not pay.
	gz          []byte
	contentType string
	etag        string
}

// assetSet is every static file by logical and by hashed name.
type assetSet struct {
	byName   map[string]*asset
	byHashed map[string]*asset
}

// importRE finds the relative module specifiers of static and dynamic
// imports and re-exports: `from './x.js'`, `import './x.js'`,
// `import('./x.js')`. Modules are plain ES modules written by us, so a
// pattern over the two quoting styles is enough; a specifier this misses
// would still load, just by its unhashed URL, which the asset test forbids.
var importRE = regexp.MustCompile(`((?:\bfrom|\bimport)\s*\(?\s*)(['"])(\.{1,2}/[^'"\s]+\.js)(['"])`)

// loadAssets reads every file of fsys and computes content-hashed names.
// A JavaScript module's hash covers its imports' hashed names (they are
// rewritten into it first), so changing a leaf module changes the URL of
// every module that imports it and a browser never mixes old and new code.
func loadAssets(fsys fs.FS) (*assetSet, error) {
	raw := map[string][]byte{}
	err := fs.WalkDir(fsys, ".", func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		b, err := fs.ReadFile(fsys, p)
		if err != nil {
			return err
		}
		raw[p] = b
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("web: read static files: %w", err)
	}
	set := &assetSet{byName: map[string]*asset{}, byHashed: map[string]*asset{}}
	visiting := map[string]bool{}
	var build func(name string) (*asset, error)
	build = func(name string) (*asset, error) {
		if a, ok := set.byName[name]; ok {
			return a, nil
		}
		if visiting[name] {
			return nil, fmt.Errorf("web: import cycle through %s", name)
		}
		visiting[name] = true
		defer delete(visiting, name)
		body, ok := raw[name]
		if !ok {
			return nil, fmt.Errorf("web: %w: %s", fs.ErrNotExist, name)
		}
		if path.Ext(name) == ".js" {
			var rerr error
			body = importRE.ReplaceAllFunc(body, func(m []byte) []byte {
				sub := importRE.FindSubmatch(m)
				dep := path.Join(path.Dir(name), string(sub[3]))
				da, err := build(dep)
				if err != nil {
					rerr = fmt.Errorf("web: %s imports %s: %w", name, sub[3], err)
					return m
				}
				rel := relPath(path.Dir(name), da.hashed)
				return slices.Concat(sub[1], sub[2], []byte(rel), sub[4])
			})
			if rerr != nil {
				return nil, rerr
			}
		}
		sum := sha256.Sum256(body)
		hash := hex.EncodeToString(sum[:])[:hashLen]
		ext := path.Ext(name)
		a := &asset{
			name:        name,
			hashed:      strings.TrimSuffix(name, ext) + "." + hash + ext,
			body:        body,
			contentType: contentType(ext),
			etag:        `"` + hash + `"`,
		}
		if compressible(a.contentType) {
			gz, err := gzipBytes(body)
			if err != nil {
				return nil, fmt.Errorf("web: compress %s: %w", name, err)
			}
			if len(gz) < len(body) {
				a.gz = gz
			}
		}
		set.byName[name] = a
		set.byHashed[a.hashed] = a
		return a, nil
	}
	names := make([]string, 0, len(raw))
	for n := range raw {
		names = append(names, n)
	}
	slices.Sort(names)
	for _, n := range names {
		if _, err := build(n); err != nil {
			return nil, err
		}
	}
	return set, nil
}

// relPath returns the relative module specifier ("./x.js", "../a/x.js")
// from directory dir to target, both slash paths under the static root.
func relPath(dir, target string) string {
	from := strings.Split(dir, "/")
	if dir == "." {
		from = nil
	}
	to := strings.Split(target, "/")
	common := 0
	for common < len(from) && common < len(to)-1 && from[common] == to[common] {
		common++
	}
	var b strings.Builder
	if common == len(from) {
		b.WriteString("./")
	}
	for range len(from) - common {
		b.WriteString("../")
	}
	b.WriteString(strings.Join(to[common:], "/"))
	return b.String()
}

// contentType maps an extension to its type. The common web types are
// spelled out so the answer does not depend on the host's mime database.
func contentType(ext string) string {
	switch ext {
	case ".css":
		return "text/css; charset=utf-8"
	case ".js", ".mjs":
		return "text/javascript; charset=utf-8"
	case ".svg":
		return "image/svg+xml"
	case ".png":
		return "image/png"
	case ".ico":
		return "image/x-icon"
	case ".json", ".map":
		return "application/json"
	case ".woff2":
		return "font/woff2"
	case ".txt":
		return "text/plain; charset=utf-8"
	}
	if t := mime.TypeByExtension(ext); t != "" {
		return t
	}
	return "application/octet-stream"
}

func compressible(ct string) bool {
	return strings.HasPrefix(ct, "text/") || strings.HasPrefix(ct, "image/svg") || strings.HasPrefix(ct, "application/json")
}

func gzipBytes(b []byte) ([]byte, error) {
	var buf bytes.Buffer
	zw, err := gzip.NewWriterLevel(&buf, gzip.BestCompression)
	if err != nil {
		return nil, err
	}
	if _, err := zw.Write(b); err != nil {
		return nil, err
	}
	if err := zw.Close(); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}
