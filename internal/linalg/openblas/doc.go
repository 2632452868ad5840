// Package openblas wraps cblas_sgemm for the benchmark that compares linalg's
// kernels with OpenBLAS in the same run. It is empty unless built with
// -tags openblas (and cgo, and Debian's libopenblas-dev); the product never
// links it, so it stays pure Go plus Go assembly.
package openblas
