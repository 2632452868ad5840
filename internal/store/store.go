// Package store is TargetVision's persistence: users, sources, albums, photos,
// AI metadata, embeddings and the durable job queue.
//
// One implementation, *DB, serves both databases through database/sql: the
// embedded SQLite file (the default, zero set-up) and PostgreSQL with pgvector
// (the scale-out path). Where the two dialects differ — full-text search,
// vectors, job claiming, time encoding — the dialect type holds the SQL. The
// conformance suite in storetest is the single truth for both.
//
// Every method that reads or writes user-owned rows takes the user id and
// scopes the query by it; there is no way to read another user's photo by id.
package store

import (
	"errors"
	"time"
)

// Sentinel errors. Callers test with errors.Is.
var (
	// ErrNotFound means the row does not exist for this user.
	ErrNotFound = errors.New("store: not found")
	// ErrConflict means a unique constraint (an e-mail, a source path) is taken.
	ErrConflict = errors.New("store: already exists")
	// ErrNoJob means no job is ready to be claimed right now.
	ErrNoJob = errors.New("store: no job ready")
)

// DefaultUserEmail is the account the CLI works as on a fresh data directory
// until the first web sign-up claims it (with all its photos).
const DefaultUserEmail = "local@targetvision.invalid"

// User is an account. PasswordHash is empty for the unclaimed default user.
type User struct {
	ID           int64
	Email        string
	PasswordHash string
	IsAdmin      bool
	CreatedAt    time.Time
	// DisabledAt is when an administrator disabled the account (it cannot
	// sign in; its sessions and API tokens do not work); zero if enabled.
	DisabledAt time.Time
}

// Disabled reports whether the account is disabled.
func (u User) Disabled() bool { return !u.DisabledAt.IsZero() }

// SourceKind names where photos come from.
type SourceKind string

// The source kinds.
const (
	SourceLocal   SourceKind = "local"
	SourceSmugMug SourceKind = "smugmug"
)

// Source statuses shown to the user.
const (
	SourceOK           = "ok"
	SourceSyncing      = "syncing"
	SourceError        = "error"
	SourceNeedsConnect = "needs_reconnect"
)

// Source is a place photos are synced from: a local folder or a SmugMug account.
type Source struct {
	ID     int64
	UserID int64
	Kind   SourceKind
	// Name is what the user sees: the folder path or the SmugMug nickname.
	Name string
	// Path is the local folder (local sources only).
	Path string
	// Token is the encrypted OAuth token (SmugMug only); see package secret.
	Token []byte
	// Cursor is the opaque incremental-sync state of the source's syncer.
	Cursor       []byte
	Status       string
	LastError    string
	LastSyncedAt time.Time
	// Settings is kind-specific JSON the source's package owns (a local
	// folder's exclude patterns, see localsource.Settings).
	Settings []byte
	// WriteBack is what may be written back to the source (SmugMug): off
	// unless its owner switches it on.
	WriteBack WriteBack
	CreatedAt time.Time
}

// Album groups photos: a SmugMug album or a local folder.
type Album struct {
	ID        int64
	UserID    int64
	SourceID  int64
	Key       string // SmugMug AlbumKey or the folder path relative to the source root
	Name      string
	WebURL    string
	UpdatedAt time.Time // remote update time
}

// AlbumSummary is an album with its photo count, for listings.
type AlbumSummary struct {
	Album
	PhotoCount int
}

// GPS is a position in decimal degrees.
type GPS struct {
	Lat, Lon float64
}

// Photo is one image of a source. Fields are what the source and the file's
// EXIF say; AI output lives in AIMetadata.
type Photo struct {
	ID        int64
	UserID    int64
	SourceID  int64
	AlbumID   int64  // 0 when the photo is in no album
	SourceKey string // path relative to the source root, or the SmugMug ImageKey
	FileName  string
	Title     string
	Caption   string
	Keywords  []string
	TakenAt   time.Time // zero when unknown
	Width     int
	Height    int
	Size      int64
	Format    string

	CameraMake   string
	CameraModel  string
	Lens         string
	ExposureTime string
	FNumber      float64
	ISO          int
	FocalLength  float64
	GPS          *GPS
	// Place is where the photo was taken, named from GPS ("Berlin,
	// Germany"; package place); set by UpsertPhoto, "" when unknown.
	Place string

	ContentHash   string // sha256 hex of the original bytes (or SmugMug MD5 as "md5:…")
	ThumbPath     string // relative to the data dir
	RenditionPath string // relative to the data dir; the ≤2200 px analysis image
	WebURL        string
	RemoteUpdated time.Time
	// Status is "pending", "ready" or "failed"; Error says why it failed.
	Status string
	Error  string
	// Issue is why a photo has no pixels or failed, as a reason the index
	// summary counts: "" or one of the Issue constants.
	Issue string
	// Companions are the photo's other files (a RAW beside its JPEG, XMP
	// sidecars), so listings show both files of a pair and a sync notices
	// a changed sidecar.
	Companions []Companion
	// Rating is the photographer's star rating (xmp:Rating): 1-5, -1 for
	// rejected, 0 for none. Label is their colour label, as written.
	Rating int
	Label  string
	// Edits are what the person changed in TargetVision; they win over
	// the file's and Claude's words (see PhotoEdits) and are written only
	// by SetPhotoEdits, never by a sync or a description.
	Edits PhotoEdits
	// Favorite is the person's mark (SetPhotoEdits).
	Favorite  bool
	CreatedAt time.Time
	UpdatedAt time.Time

	// AlbumName is filled by reads for display; ignored on write.
	AlbumName string
}

// Companion is a file that belongs to a photo without being its pixels.
type Companion struct {
	// Key is the file's path relative to the source root, like SourceKey.
	Key string `json:"key"`
	// Role is CompanionRAW or CompanionSidecar.
	Role string `json:"role"`
	// Size and ModTime tell a sync whether the file changed.
	Size    int64     `json:"size"`
	ModTime time.Time `json:"mtime"`
}

// Companion roles.
const (
	CompanionRAW     = "raw"
	CompanionSidecar = "sidecar"
)

// Why files are not (fully) photos: the reasons of Photo.Issue and of
// SkippedFile.Reason, which the index summary, the API and the Sources
// page count.
const (
	IssueNoPreview   = "no_preview"  // a RAW without a usable embedded image: a photo, with its metadata
	IssueCorrupt     = "corrupt"     // the file claims a format but cannot be decoded
	IssueTooLarge    = "too_large"   // over the pixel or byte limit
	IssueUnsupported = "unsupported" // not an image format TargetVision reads (videos, documents…)
	IssueExcluded    = "excluded"    // matched one of the source's exclude patterns
)

// SkippedFile is a file a sync found and did not make a photo of.
type SkippedFile struct {
	Path   string // relative to the source root; a folder ends in "/"
	Reason string // IssueUnsupported or IssueExcluded
}

// Photo statuses.
const (
	PhotoPending = "pending"
	PhotoReady   = "ready"
	PhotoFailed  = "failed"
)

// AIMetadata is Claude's description of a photo.
type AIMetadata struct {
	PhotoID       int64
	UserID        int64
	Model         string
	PromptVersion string
	Description   string
	Keywords      []string
	Objects       []string
	Scene         string
	TextInImage   string
	PeopleCount   int
	Colors        []string
	InputTokens   int
	OutputTokens  int
	CostUSD       float64
	CreatedAt     time.Time
}

// Embedding is a photo's CLIP image vector for one model.
type Embedding struct {
	PhotoID int64
	UserID  int64
	Model   string
	Vector  []float32
}
