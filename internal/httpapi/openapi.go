package httpapi

import (
	"encoding/json"
	"fmt"
	"net/http"
	"reflect"
	"slices"
	"strings"

	"github.com/swaggest/jsonschema-go"
	"github.com/swaggest/openapi-go"
	"github.com/swaggest/openapi-go/openapi31"

	"github.com/targetvision/targetvision/internal/apierror"
	"github.com/targetvision/targetvision/internal/clipsetup"
	"github.com/targetvision/targetvision/internal/search"
)

// operation documents one route of the table for the OpenAPI document. The
// request and response types are the ones the handlers decode and encode,
// reflected by github.com/swaggest/openapi-go, so the document cannot
// describe a field the API does not send.
type operation struct {
	id, tag, summary, description string
	// params is a struct whose `path` and `query` fields are the route's
	// parameters (the same struct the handler binds, see bindParams).
	params any
	// body is the JSON request body.
	body any
	// status is the success status; default 200.
	status int
	// resp is the JSON success body; nil with contentType for other media,
	// nil without it for no body (204).
	resp any
	// also are further success answers: status → body and what it means.
	also        map[int]alsoResp
	contentType string
	// moreTypes are further media types of the same body (an original
	// is a JPEG, a PNG, a RAW…).
	moreTypes []string
	format    string // of a non-JSON body: "binary" for images
	// file marks a file served with http.ServeContent, which also answers
	// Range and conditional requests (206, 304, 416).
	file bool
	// errors are the statuses the handler itself answers, with what they
	// mean here. The middleware's (401, 403 csrf_rejected, 413, 429, 500)
	// are added by buildOpenAPI.
	errors map[int]string
}

// alsoResp is a further success answer of an operation.
type alsoResp struct {
	body        any
	description string
}

// idNotFound is the 404 of every route with an id: another user's id is
// not found too, so ids cannot be probed.
const idNotFound = "not_found: no such id for the signed-in user (another user's ids are not found either)."

// operations documents every route of table(), keyed by its pattern; the
// tests check that the two agree.
func operations() map[string]operation {
	badParams := "bad_request: a query parameter is out of its documented bounds; the message names it."
	return map[string]operation{
		"GET /healthz": {id: "healthz", tag: "operations", summary: "Liveness: the process answers",
			resp: healthStatus{}},
		"GET /readyz": {id: "readyz", tag: "operations", summary: "Readiness: the store answers and its schema is current",
			resp: readyStatus{}, errors: map[int]string{503: "store_unreachable or migrations_pending."}},
		"GET /metrics": {id: "metrics", tag: "operations", summary: "Prometheus metrics",
			description: "Request counts and latencies by route, job outcomes, search latency, Go runtime and process metrics, in the Prometheus text format. Served here only with \"Authorization: Bearer\" and the server's TARGETVISION_METRICS_TOKEN; TARGETVISION_METRICS_ADDR serves them on a separate, private address instead.",
			contentType: "text/plain",
			errors: map[int]string{
				401: "unauthorized: the metrics token is missing or wrong.",
				404: "not_found: this server has no metrics token; its metrics are on TARGETVISION_METRICS_ADDR, if anywhere.",
			}},

		"GET /api/openapi.json": {id: "openapi", tag: "docs", summary: "This OpenAPI 3.1 document",
			resp: map[string]any{}},
		"GET /api/docs": {id: "docs", tag: "docs", summary: "This document as a web page",
			contentType: "text/html"},
		"GET /api/docs.css": {id: "docsStylesheet", tag: "docs", summary: "The docs page's stylesheet",
			contentType: "text/css"},

		"GET /api/v1/auth/status": {id: "authStatus", tag: "account", summary: "Whether the server has an account yet and takes sign-ups",
			resp: authStatus{}},
		"POST /api/v1/auth/signup": {id: "signup", tag: "account", summary: "Create an account and sign in",
			description: "The first account needs the server's setup code; it claims the photos indexed before it (the command line's default user) and is the administrator — of concurrent first sign-ups exactly one is. Later accounts need a server started with --allow-signup. An e-mail that has an account is answered as sign-in with that password would be (200 signed in, or 401), so sign-up tells no more about which addresses have accounts than sign-in. Sets the session cookie. Attempts are limited per client address and account.",
			body:        signupRequest{}, status: http.StatusCreated, resp: userJSON{},
			also: map[int]alsoResp{http.StatusOK: {userJSON{}, "The e-mail had an account and this is its password: signed in."}},
			errors: map[int]string{
				400: "bad_request: the e-mail or password is not acceptable (passwords are 8 to 256 characters; addresses ending in .invalid are reserved).",
				401: "bad_credentials: the e-mail has an account and the password is not its password.",
				403: "setup_code_required: the server has no account yet and the setup code is missing or wrong; forbidden: sign-up is closed on this server.",
				429: "rate_limited: too many sign-up or sign-in attempts; Retry-After says when to try again.",
			}},
		"POST /api/v1/auth/login": {id: "login", tag: "account", summary: "Sign in",
			description: "Starts a session (recorded on the server, listed by GET /api/v1/sessions) and sets its cookie. Attempts are limited per client address and per account; a browser that signed in to the account before has its own budget, so strangers guessing cannot lock the owner out. Over the limit the answer is 429 with Retry-After.",
			body:        credentials{}, resp: userJSON{},
			errors: map[int]string{
				401: "bad_credentials: wrong e-mail or password (the same answer for an unknown e-mail).",
				403: "account_disabled: the password is right and an administrator disabled the account.",
				429: "rate_limited: too many sign-in attempts; Retry-After says when to try again.",
			}},
		"POST /api/v1/auth/logout": {id: "logout", tag: "account", summary: "Sign out",
			description: "Ends the session on the server — its cookie or bearer token stops working everywhere at once — and clears the cookie.", status: http.StatusNoContent},
		"POST /api/v1/auth/password": {id: "changePassword", tag: "account", summary: "Change the password",
			description: "Needs the current password. Ends every other session of the account; this one stays signed in.",
			body:        passwordChange{}, status: http.StatusNoContent,
			errors: map[int]string{
				400: "bad_credentials: the current password is wrong; bad_request: the new password is not acceptable.",
				403: "forbidden: an API token cannot change the password.",
				429: "rate_limited: too many attempts; Retry-After says when to try again.",
			}},
		"GET /api/v1/me": {id: "me", tag: "account", summary: "The signed-in account", resp: userJSON{}},
		"GET /api/v1/sessions": {id: "listSessions", tag: "account", summary: "The account's signed-in sessions, most recently used first",
			resp: sessionList{}},
		"DELETE /api/v1/sessions": {id: "deleteSessions", tag: "account", summary: "Sign out everywhere",
			description: "Ends every session of the account, this one included, and clears the cookie. Not with an API token.", status: http.StatusNoContent,
			errors: map[int]string{403: "session_required: the request was made with an API token."}},
		"DELETE /api/v1/sessions/{id}": {id: "deleteSession", tag: "account", summary: "End one session",
			description: "Not with an API token.",
			params:      sessionIDParams{}, status: http.StatusNoContent, errors: map[int]string{403: "session_required: the request was made with an API token.", 404: idNotFound}},

		"GET /api/v1/tokens": {id: "listTokens", tag: "account", summary: "The account's API tokens, newest first",
			description: "Each with its scope and last use; never the token itself.", resp: tokenList{}},
		"POST /api/v1/tokens": {id: "createToken", tag: "account", summary: "Create an API token (shown once)",
			description: "Scripts send it as \"Authorization: Bearer tvk_…\" on any API route. A read token may only GET; a read_write token may do everything a signed-in user may, except account-level actions (tokens, password, accounts). Only the token's SHA-256 digest is kept, so the answer is the only time it is shown. Needs a signed-in session: a token cannot create tokens.",
			body:        tokenRequest{}, status: http.StatusCreated, resp: newToken{},
			errors: map[int]string{403: "session_required: the request was made with an API token."}},
		"DELETE /api/v1/tokens/{id}": {id: "revokeToken", tag: "account", summary: "Revoke an API token",
			description: "It stops working at once. Needs a signed-in session.",
			params:      tokenIDParams{}, status: http.StatusNoContent,
			errors: map[int]string{403: "session_required: the request was made with an API token.", 404: idNotFound}},

		"GET /api/v1/users": {id: "listUsers", tag: "accounts", summary: "Accounts (administrators)",
			description: "Needs an administrator signed in with a session.", resp: adminUserList{},
			errors: map[int]string{403: "forbidden: not an administrator; session_required: the request was made with an API token."}},
		"POST /api/v1/users": {id: "createUser", tag: "accounts", summary: "Add an account (administrators)",
			body: newUserRequest{}, status: http.StatusCreated, resp: adminUserJSON{},
			errors: map[int]string{400: "bad_request: the e-mail or password is not acceptable.", 403: "forbidden: not an administrator; session_required: an API token.", 409: "conflict: the e-mail has an account."}},
		"PATCH /api/v1/users/{id}": {id: "patchUser", tag: "accounts", summary: "Disable or enable an account (administrators)",
			description: "Disabling signs the account out everywhere and stops its API tokens at once; its photos stay. Not your own account, nor the last administrator.",
			params:      userIDParams{}, body: userPatch{}, resp: adminUserJSON{},
			errors: map[int]string{400: "bad_request: your own account.", 403: "forbidden: not an administrator; session_required: an API token.", 404: idNotFound, 409: "last_admin: the last administrator who can sign in."}},
		"DELETE /api/v1/users/{id}": {id: "deleteUser", tag: "accounts", summary: "Remove an account with everything it owns (administrators)",
			description: "Its sources, photos, thumbnails, descriptions, embeddings, jobs, sessions and API tokens go; the photo files themselves are not touched. Not your own account, nor the last administrator.",
			params:      userIDParams{}, status: http.StatusNoContent,
			errors: map[int]string{400: "bad_request: your own account.", 403: "forbidden: not an administrator; session_required: an API token.", 404: idNotFound, 409: "last_admin: the last administrator who can sign in."}},

		"GET /api/v1/search": {id: "search", tag: "search", summary: "Search photos in plain language",
			description: "Hybrid search: CLIP text-to-image similarity and full-text search over descriptions, keywords, titles, captions, file and album names, fused by reciprocal rank fusion. Every hit says why it matched, in plain words (why.summary) and in detail. The answer also says what the search made of the query (hints: words left out, unknown operators, dates that are not dates, a year read as a date, did you mean), whether search by meaning ran (semantic), and lists photos CLIP ranked below its relevance floor apart (loosely_related). Without a query it lists photos newest first; a query of only exclusions lists every photo but those.",
			params:      searchParams{}, resp: search.Response{}, errors: map[int]string{400: badParams}},
		"GET /api/v1/photos": {id: "listPhotos", tag: "photos", summary: "List photos, newest taken first",
			params: listParams{}, resp: photoList{}, errors: map[int]string{400: badParams}},
		"GET /api/v1/photos/{id}": {id: "getPhoto", tag: "photos", summary: "One photo with its metadata and description",
			params: photoParams{}, resp: photoDetail{}, errors: map[int]string{404: idNotFound}},
		"PATCH /api/v1/photos/{id}": {id: "editPhoto", tag: "photos", summary: "Edit a photo's caption, keywords, rating or favourite mark",
			description: "Your edits win over the file's and Claude's words, are searchable at once, and survive re-syncing and re-describing (reset drops them). Answers the photo as GET does.",
			params:      photoParams{}, body: photoPatch{}, resp: photoDetail{},
			errors: map[int]string{400: "bad_request: a field is out of its bounds; the message names it.", 404: idNotFound}},
		"GET /api/v1/photos/{id}/similar": {id: "similarPhotos", tag: "search", summary: "Photos that look like this one",
			description: "Nearest CLIP image embeddings, the photo itself excluded. A photo not embedded yet has none; semantic says when there is no CLIP model.",
			params:      similarParams{}, resp: search.Response{}, errors: map[int]string{400: badParams, 404: idNotFound}},
		"GET /api/v1/photos/{id}/thumbnail": {id: "photoThumbnail", tag: "photos", summary: "The photo's thumbnail (JPEG)",
			params: photoParams{}, contentType: "image/jpeg", format: "binary", file: true,
			errors: map[int]string{404: idNotFound + " not_ready: the thumbnail is not made yet."}},
		"GET /api/v1/photos/{id}/image": {id: "photoImage", tag: "photos", summary: "The photo's display rendition (JPEG, at most 2200 px)",
			params: photoParams{}, contentType: "image/jpeg", format: "binary", file: true,
			errors: map[int]string{404: idNotFound + " not_ready: the rendition is not made yet."}},
		"GET /api/v1/photos/{id}/original": {id: "photoOriginal", tag: "photos", summary: "Download the photo's original file",
			description: "The file the photo was indexed from, byte for byte, as an attachment named like it, with its media type. For a SmugMug photo, the untouched original SmugMug keeps (its ArchivedUri), streamed through the server with the account's token (the browser never gets a SmugMug credential or a signed URL).",
			params:      photoParams{}, contentType: "application/octet-stream", format: "binary", file: true,
			moreTypes: []string{"image/jpeg", "image/png", "image/gif", "image/webp", "image/heic", "image/heif", "image/avif", "image/tiff", "image/x-adobe-dng"},
			errors: map[int]string{
				404: idNotFound + " original_unavailable: the file is no longer in its folder; or a SmugMug photo whose original this server cannot fetch (synced before originals were kept, not offered by SmugMug, gone from SmugMug, no SmugMug credentials on the server): the photo's original_note says which.",
				413: "original_too_large: the SmugMug original is larger than the server streams (1 GB).",
				502: "smugmug_reconnect: SmugMug refused the account's token, reconnect it on the Sources page; smugmug_unavailable: SmugMug failed or did not answer in time.",
				503: "smugmug_rate_limited: SmugMug asks to slow down; Retry-After says when to try again.",
			}},
		"GET /api/v1/photos/originals.zip": {id: "photoOriginalsZip", tag: "photos", summary: "Download many photos' originals as one zip",
			description: "Streamed as it is read; photos are stored, not compressed again. Every id must be one of your photos, else nothing is sent (404). SmugMug photos' originals stream from SmugMug through the server. Originals this server cannot send (files gone from their folder, SmugMug photos whose original it cannot fetch) are listed in not-included.txt inside the zip. At most 500 photos and, by default, 4 GiB and 30 minutes per download.",
			params:      zipParams{}, contentType: "application/zip", format: "binary",
			errors: map[int]string{
				400: "bad_request: ids is empty, malformed or names more than 500 photos.",
				404: idNotFound + " original_unavailable: none of the photos has an original this server can send.",
				413: "zip_too_large: the originals are larger than one download may be; select fewer photos.",
			}},
		"GET /api/v1/timeline": {id: "timeline", tag: "photos", summary: "How many photos were taken each month or day",
			description: "Newest first, with the day range that lists each period's photos (GET /api/v1/photos?from=&to=), and the count of photos without a capture time: the timeline lays out every section and its year scrubber from this, then loads each section's photos as it scrolls near. Takes the listing's filters.",
			params:      timelineParams{}, resp: timelineJSON{}, errors: map[int]string{400: badParams}},
		"POST /api/v1/photos/smugmug-album": {id: "createSmugMugAlbum", tag: "photos", summary: "Create a SmugMug album from selected photos",
			description: "Opt-in: the photos' SmugMug account must have album writes switched on (PUT /api/v1/sources/{id}/writeback with albums). Makes a private album at the top of the account and collects the photos' images into it (they stay in their own albums), with the account's token; the attempt is recorded whatever its result (GET /api/v1/sources/{id}/album-writes). Every id must be one of your photos, else nothing is made (404).",
			body:        remoteAlbumRequest{}, status: http.StatusCreated, resp: remoteAlbumJSON{},
			errors: map[int]string{
				400: "bad_request: no photos, more than 1000, or no name; not_smugmug: a photo is not from SmugMug; mixed_sources: photos of more than one source.",
				403: "smugmug_writes_off: album writes are off for the account (switch them on on the Sources page).",
				404: idNotFound,
				501: "smugmug_not_configured: the server has no SmugMug API key.",
				502: "smugmug_reconnect: SmugMug refused the account's token (it needs permission to add); smugmug_write_failed: SmugMug refused or did not answer (the message says which; the album may then exist).",
				503: "smugmug_rate_limited: SmugMug asks to slow down; Retry-After says when to try again.",
			}},
		"POST /api/v1/photos/keywords": {id: "editKeywords", tag: "photos", summary: "Add or remove keywords on many photos",
			description: "Each photo's keywords as shown (your edited ones, else the file's and Claude's), less remove, plus add, become your edited keywords — as PATCH /api/v1/photos/{id} sets them: searchable at once, kept when the photo is described again. Every id must be one of your photos, else nothing changes (404).",
			body:        keywordEdit{}, resp: keywordEditResult{},
			errors: map[int]string{400: "bad_request: no photos, more than 1000, or no keyword to add or remove; a keyword is out of bounds.", 404: idNotFound}},
		"GET /api/v1/collections": {id: "listCollections", tag: "collections", summary: "Your own albums (collections) and saved searches, by name",
			resp: collectionList{}},
		"POST /api/v1/collections": {id: "createCollection", tag: "collections", summary: "Make a collection, or save a search as a smart album",
			description: "With photo_ids it holds those photos at once (every id must be yours, else nothing is made: 404); with a query it is a saved search, whose photos are the search's. Its photos list with GET /api/v1/photos?collection={id}.",
			body:        newCollection{}, status: http.StatusCreated, resp: collectionJSON{},
			errors: map[int]string{400: "bad_request: no name, or both a query and photo_ids.", 404: idNotFound, 409: "conflict: you have a collection of that name."}},
		"POST /api/v1/collections/{id}/photos": {id: "changeCollection", tag: "collections", summary: "Put photos in a collection or take them out",
			description: "All or nothing: every id must be one of your photos (404 otherwise). A saved search holds no photos (409).",
			params:      collectionParams{}, body: collectionChange{}, resp: collectionJSON{},
			errors: map[int]string{400: "bad_request: no photos, or more than 1000.", 404: idNotFound, 409: "saved_search: the collection is a saved search."}},
		"DELETE /api/v1/collections/{id}": {id: "deleteCollection", tag: "collections", summary: "Delete a collection (its photos stay in the library)",
			params: collectionParams{}, status: http.StatusNoContent, errors: map[int]string{404: idNotFound}},
		"GET /api/v1/map": {id: "map", tag: "photos", summary: "Your photos with a GPS position, for the map",
			description: "With the tile server the map uses (TARGETVISION_MAP_TILES; the Content-Security-Policy allows its host for images). Each photo with its position and the place named from it. Takes the listing's filters.",
			params:      mapParams{}, resp: mapJSON{}, errors: map[int]string{400: badParams}},
		"GET /api/v1/albums": {id: "listAlbums", tag: "photos", summary: "Albums with photo counts, by name", resp: albumList{}},

		"GET /api/v1/sources": {id: "listSources", tag: "sources", summary: "Sources (local folders, SmugMug) with their sync state",
			resp: sourceList{}},
		"POST /api/v1/sources": {id: "createSource", tag: "sources", summary: "Add a local folder and queue its first sync",
			description: "Administrators only: the folder is on the server's disk. Adding a folder that is already a source answers that source. SmugMug accounts are connected from the Sources page (/smugmug/connect).",
			body:        sourceRequest{}, status: http.StatusCreated, resp: sourceJSON{},
			errors: map[int]string{
				400: "bad_request: kind is not \"local\" or an exclude pattern is malformed; folder_not_allowed: path is not an absolute folder the server can read, is not under the folders the operator allows (TARGETVISION_FOLDER_ROOTS), or overlaps the server's data directory.",
				403: "forbidden: only an administrator can add server folders.",
				409: "source_overlap: the folder is inside one of the user's sources, which indexes it already. (A folder above sources takes them over: merged_source_ids.)",
			}},
		"POST /api/v1/sources/{id}/sync": {id: "syncSource", tag: "sources", summary: "Queue an incremental sync of a source",
			params: sourceParams{}, status: http.StatusAccepted, resp: syncAccepted{}, errors: map[int]string{404: idNotFound}},
		"DELETE /api/v1/sources/{id}": {id: "deleteSource", tag: "sources", summary: "Remove a source and everything indexed from it",
			description: "Its photos go with their thumbnails, renditions, descriptions and embeddings, and its queued jobs; a SmugMug source's tokens are deleted. The files themselves are not touched. Claude's answers stay in the ledger, so adding the same photos again costs nothing.",
			params:      sourceParams{}, status: http.StatusNoContent, errors: map[int]string{404: idNotFound}},
		"GET /api/v1/sources/{id}/issues": {id: "listSourceIssues", tag: "sources", summary: "Files of a source that are not photos with pixels, with the reason",
			description: "Every file the sync skipped (unsupported, excluded) and every photo that failed (corrupt, too_large) or is a RAW without preview (no_preview), by path.",
			params:      sourceParams{}, resp: sourceIssues{}, errors: map[int]string{404: idNotFound}},
		"PUT /api/v1/sources/{id}/writeback": {id: "setSourceWriteBack", tag: "sources", summary: "Switch write-back to a SmugMug source on or off",
			description: "Off until switched on. Keywords are added after the owner's own (never replacing any), the description becomes the caption only where there is none, and every write is recorded (GET /api/v1/sources/{id}/writes). albums lets selections become albums on the account (POST /api/v1/photos/smugmug-album). The account must have been connected with Modify permission.",
			params:      sourceParams{}, body: writeBackJSON{}, resp: sourceJSON{},
			errors: map[int]string{400: "writeback_unsupported: the source is a folder, whose files are never changed.", 404: idNotFound}},
		"GET /api/v1/sources/{id}/album-writes": {id: "listSourceAlbumWrites", tag: "sources", summary: "Albums TargetVision created on a SmugMug account (the audit trail)",
			description: "Every album made, or tried, from a selection (POST /api/v1/photos/smugmug-album), newest first: who asked, when, the album, the photos asked for and collected, the result.",
			params:      albumWritesParams{}, resp: sourceAlbumWrites{}, errors: map[int]string{400: badParams, 404: idNotFound}},
		"GET /api/v1/sources/{id}/writes": {id: "listSourceWrites", tag: "sources", summary: "What TargetVision wrote back to a source (the audit trail)",
			description: "Every write-back and dry run to the source, newest first, with the image's text before and after.",
			params:      writesParams{}, resp: sourceWrites{}, errors: map[int]string{400: badParams, 404: idNotFound}},

		"GET /api/v1/jobs": {id: "listJobs", tag: "jobs", summary: "Background jobs: counts by state and the latest jobs",
			params: jobParams{}, resp: jobList{}, errors: map[int]string{400: badParams}},
		"POST /api/v1/jobs/{id}/retry": {id: "retryJob", tag: "jobs", summary: "Queue a failed job again with fresh attempts",
			params: jobIDParams{}, status: http.StatusNoContent,
			errors: map[int]string{404: idNotFound + " A job that has not failed is not found either."}},
		"DELETE /api/v1/jobs/{id}": {id: "dismissJob", tag: "jobs", summary: "Dismiss a failed job",
			description: "Takes a failed job off the list of failures; it stays counted. Failures are kept until retried or dismissed; finished jobs are pruned after the server's retention period (TARGETVISION_JOB_RETENTION) and stay counted as done.",
			params:      jobIDParams{}, status: http.StatusNoContent,
			errors: map[int]string{404: idNotFound + " A job that has not failed is not found either."}},
		"GET /api/v1/events": {id: "events", tag: "jobs", summary: "Live job progress (Server-Sent Events)",
			description: "A text/event-stream of \"progress\" events, each with a ProgressEvent as its data: the current progress at once, then each change, made by any worker process, within about a quarter of a second; a keep-alive comment every 15 s. An administrator's stream also carries \"model\" events, each with the server's model download status (as POST /api/v1/models/clip/download answers) as its data, sent when it changes, once a download has been started. A stream ends after an hour (EventSource reconnects); an account may hold 8 open at once.",
			resp:        progressEvent{}, contentType: "text/event-stream",
			errors: map[int]string{429: "too_many_streams: the account has its maximum of streams open; rate_limited: over the request budget."}},

		"GET /api/v1/usage":    {id: "usage", tag: "settings", summary: "This month's Claude spending", resp: usageJSON{}},
		"GET /api/v1/settings": {id: "getSettings", tag: "settings", summary: "The user's settings", resp: UserSettings{}},
		"PUT /api/v1/settings": {id: "putSettings", tag: "settings", summary: "Replace the user's settings",
			body: UserSettings{}, resp: UserSettings{},
			errors: map[int]string{400: "bad_request: monthly_budget_usd is negative or claude_model is too long; budget_above_ceiling: monthly_budget_usd is above the server's ceiling (CLAUDE_MONTHLY_BUDGET_USD)."}},
		"GET /api/v1/models": {id: "models", tag: "settings", summary: "The CLIP model's state",
			description: "The CLIP model in use (or why none is, with its self-check), the Claude models a user may choose; for administrators also the server's model download (clip.download) and whether they may start one (clip.can_download).",
			resp:        modelsJSON{}},
		"POST /api/v1/models/clip/download": {id: "startModelDownload", tag: "settings", summary: "Download the CLIP model (administrators)",
			description: "Starts downloading TARGETVISION_CLIP_MODEL from the model hub (HF_ENDPOINT) into the server's data directory, one download at a time: each file is checked against the hub's checksum, then the model's self-check runs on the OpenAI CLIP README's image (TARGETVISION_CLIP_CHECK_IMAGE, verified by the hash the binary carries). A model that passes is put to use at once — search by meaning turns on and waiting embed jobs run — without a restart; other server processes sharing the database load it at their next start (from their own data directory). One that fails is removed. The answer is the download's first status; GET /api/v1/events streams its progress as \"model\" events, and GET /api/v1/models has its last state.",
			status:      http.StatusAccepted, resp: clipsetup.Status{},
			errors: map[int]string{
				403: "forbidden: not an administrator.",
				409: "download_running: a download is under way; model_installed: the model is installed and in use.",
				501: "download_unavailable: this server cannot download models.",
			}},
	}
}

// errorDescriptions are the generic meanings of the error statuses.
var errorDescriptions = map[int]string{
	400: "bad_request: invalid JSON, an unknown field, or a bad value; the message says which.",
	401: "unauthorized: no valid session; sign in first.",
	403: "csrf_rejected: a cross-origin browser request (Sec-Fetch-Site or Origin of another site); token_read_only: a read-only API token was used for a change.",
	413: "too_large: the request body is over the server's limit (1 MiB by default).",
	421: "unknown_host: the request named a host this server does not answer (TARGETVISION_PUBLIC_URL lists them; IP addresses and localhost are always answered).",
	429: "rate_limited: over the per-user (or, signed out, per-address) request budget. Retry-After says when to try again.",
	500: "internal: an unexpected failure; the details are in the server log, never in the answer.",
}

// retryAfter documents the Retry-After header of 429 answers.
type retryAfter struct {
	RetryAfter int `header:"Retry-After" description:"Seconds to wait before trying again." minimum:"1"`
}

// Security scheme names.
const (
	securityCookie = "session"
	securityBearer = "bearer"
)

// buildOpenAPI reflects the OpenAPI 3.1 document from operations and the
// public routes of table.
func buildOpenAPI(table []route) ([]byte, error) {
	ref := openapi31.NewReflector()
	ref.Spec.Info.
		WithTitle("TargetVision API").
		WithVersion("1").
		WithDescription("Search a photo library in plain language. JSON over HTTP; every error is " +
			"{\"error\":{\"code\":\"…\",\"message\":\"…\"}} with a fitting status, never a stack trace. " +
			"Sign in with POST /api/v1/auth/login (a session cookie) or send \"Authorization: Bearer <token>\". " +
			"State-changing browser requests must be same-origin (Sec-Fetch-Site or Origin); others answer 403 csrf_rejected.")
	ref.JSONSchemaReflector().DefaultOptions = append(ref.JSONSchemaReflector().DefaultOptions,
		jsonschema.InterceptDefName(defName))
	spec := ref.SpecEns()
	spec.SetAPIKeySecurity(securityCookie, "tv_session", openapi.InCookie,
		"The session cookie set by sign-up and sign-in (HttpOnly, SameSite=Lax).")
	spec.SetHTTPBearerTokenSecurity(securityBearer, "", "\"Authorization: Bearer …\" with an API token (tvk_…, made on the Settings page, "+
		"by POST /api/v1/tokens or `targetvision tokens create`) or a session token (the cookie's value). Bearer requests are exempt from the same-origin check.")

	public := map[string]bool{}
	for _, rt := range table {
		public[rt.pattern] = rt.public
	}
	ops := operations()
	patterns := make([]string, 0, len(ops))
	for p := range ops {
		patterns = append(patterns, p)
	}
	slices.Sort(patterns)
	for _, pattern := range patterns {
		op := ops[pattern]
		method, path, ok := strings.Cut(pattern, " ")
		if !ok {
			return nil, fmt.Errorf("httpapi: route pattern %q has no method", pattern)
		}
		oc, err := ref.NewOperationContext(method, path)
		if err != nil {
			return nil, fmt.Errorf("httpapi: openapi %s: %w", pattern, err)
		}
		oc.SetID(op.id)
		oc.SetTags(op.tag)
		oc.SetSummary(op.summary)
		if op.description != "" {
			oc.SetDescription(op.description)
		}
		if op.params != nil {
			oc.AddReqStructure(op.params)
		}
		if op.body != nil {
			oc.AddReqStructure(op.body)
		}
		status := op.status
		if status == 0 {
			status = http.StatusOK
		}
		switch {
		case op.contentType != "":
			for _, ct := range append([]string{op.contentType}, op.moreTypes...) {
				oc.AddRespStructure(op.resp, openapi.WithHTTPStatus(status), openapi.WithContentType(ct),
					func(cu *openapi.ContentUnit) { cu.Format = op.format })
			}
		default:
			oc.AddRespStructure(op.resp, openapi.WithHTTPStatus(status))
		}
		for code, a := range op.also {
			oc.AddRespStructure(a.body, openapi.WithHTTPStatus(code), func(cu *openapi.ContentUnit) { cu.Description = a.description })
		}
		if op.file {
			for _, ct := range append([]string{op.contentType}, op.moreTypes...) {
				oc.AddRespStructure(nil, openapi.WithHTTPStatus(http.StatusPartialContent), openapi.WithContentType(ct),
					func(cu *openapi.ContentUnit) {
						cu.Format, cu.Description = op.format, "The requested byte range of the file (a Range request)."
					})
			}
			oc.AddRespStructure(nil, openapi.WithHTTPStatus(http.StatusNotModified),
				func(cu *openapi.ContentUnit) { cu.Description = "Unchanged since If-Modified-Since." })
			oc.AddRespStructure(nil, openapi.WithHTTPStatus(http.StatusFound),
				func(cu *openapi.ContentUnit) {
					cu.Description = "With TARGETVISION_BLOB_REDIRECT: Location is a short-lived presigned URL of the file in object storage."
				})
		}

		errs := map[int]string{421: errorDescriptions[421], 429: errorDescriptions[429], 500: errorDescriptions[500]}
		if !public[pattern] {
			errs[401] = errorDescriptions[401]
			errs[503] = "unavailable: the session could not be checked (the database does not answer); try again after Retry-After."
			oc.AddSecurity(securityCookie)
			oc.AddSecurity(securityBearer)
		}
		if method != http.MethodGet && method != http.MethodHead {
			errs[403] = errorDescriptions[403]
		}
		if op.file {
			errs[416] = "range_not_satisfiable: the Range is outside the file."
		}
		if op.body != nil {
			errs[400] = errorDescriptions[400]
			errs[413] = errorDescriptions[413]
		}
		for code, d := range op.errors {
			if generic, ok := errs[code]; ok && code == 403 {
				d = generic + " " + d // a handler's 403 adds to CSRF's
			}
			errs[code] = d
		}
		for code, d := range errs {
			oc.AddRespStructure(apierror.Body{}, openapi.WithHTTPStatus(code), func(cu *openapi.ContentUnit) { cu.Description = d })
			if code == http.StatusTooManyRequests || code == http.StatusServiceUnavailable {
				oc.AddRespStructure(retryAfter{}, openapi.WithHTTPStatus(code))
			}
		}
		if err := ref.AddOperation(oc); err != nil {
			return nil, fmt.Errorf("httpapi: openapi %s: %w", pattern, err)
		}
	}
	return json.MarshalIndent(ref.Spec, "", "  ")
}

// defName names the document's schemas after this package's Go types
// without the package prefix and the JSON suffix of the wire types
// (photoDetail → PhotoDetail, userJSON → User); other packages' types keep
// theirs (SearchResponse).
func defName(t reflect.Type, name string) string {
	if strings.HasSuffix(t.PkgPath(), "/apierror") {
		return "Error" + strings.TrimPrefix(name, "Apierror") // ErrorBody, ErrorDetail
	}
	if !strings.HasSuffix(t.PkgPath(), "/httpapi") {
		return name
	}
	name = strings.TrimSuffix(strings.TrimPrefix(name, "Httpapi"), "JSON")
	if n, ok := map[string]string{"Ai": "AIMetadata", "Gps": "GPS"}[name]; ok {
		return n
	}
	return strings.ToUpper(name[:1]) + name[1:]
}
