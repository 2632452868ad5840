// Package deploytest tests the deployment files at the repository's root
// as users run them: the container image the Dockerfile builds, and the
// compose.yaml stack (Postgres + pgvector, S3-compatible storage, two app
// replicas). The tests drive a real Docker engine; .ci/run installs and
// starts one, builds the images and says which through
// TARGETVISION_TEST_IMAGE and the TARGETVISION_*_IMAGE variables. Without
// them the tests skip locally and fail in CI.
//
// No registry is reachable where the tests run, and traffic may only go to
// this machine's loopback addresses, so every container runs on the host's
// network (testdata/compose.hostnet.yaml says how for compose) and is
// reached on 127.0.0.1.
package deploytest
