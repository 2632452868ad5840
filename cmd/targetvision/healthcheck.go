package main

import (
	"crypto/tls"
	"fmt"
	"net"
	"net/http"
	"time"

	"github.com/spf13/cobra"

	"github.com/targetvision/targetvision/internal/config"
)

func newHealthcheckCmd(e *env, cfg func() config.Config) *cobra.Command {
	var target string
	cmd := &cobra.Command{
		Use:   "healthcheck",
		Short: "Exit 0 when the local serve process is ready (for container HEALTHCHECKs)",
		Long: `Asks the serve process on this machine for /readyz (the store answers and its
schema is current) and exits 0 if it is ready, 1 otherwise. The address is
TARGETVISION_ADDR's port on the loopback interface (HTTPS when serve has a
certificate; the loopback name is not checked against it), or --url. The
container image's HEALTHCHECK runs it: the image has no curl.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			c := cfg()
			u := target
			if u == "" {
				var err error
				if u, err = readyURL(c); err != nil {
					return err
				}
			}
			client := &http.Client{Timeout: 5 * time.Second, Transport: &http.Transport{
				// A self-check over loopback: the certificate names the public host.
				TLSClientConfig: &tls.Config{InsecureSkipVerify: true}, //nolint:gosec
			}}
			req, err := http.NewRequestWithContext(cmd.Context(), http.MethodGet, u, nil)
			if err != nil {
				return fmt.Errorf("healthcheck: %w", err)
			}
			resp, err := client.Do(req)
			if err != nil {
				return fmt.Errorf("healthcheck: %w", err)
			}
			resp.Body.Close()
			if resp.StatusCode != http.StatusOK {
				return fmt.Errorf("healthcheck: %s answered %s", u, resp.Status)
			}
			fmt.Fprintln(e.stdout, "ready")
			return nil
		},
	}
	cmd.Flags().StringVar(&target, "url", "", "readiness URL to check (default: /readyz on TARGETVISION_ADDR's port over loopback)")
	return cmd
}

// readyURL is serve's /readyz over loopback: an unspecified or loopback
// listen address becomes 127.0.0.1 (or ::1), and the port stays.
func readyURL(c config.Config) (string, error) {
	host, port, err := net.SplitHostPort(c.Addr)
	if err != nil {
		return "", fmt.Errorf("healthcheck: TARGETVISION_ADDR %q: %w", c.Addr, err)
	}
	if ip := net.ParseIP(host); host == "" || ip == nil || ip.IsUnspecified() {
		host = "127.0.0.1"
		if ip != nil && ip.To4() == nil {
			host = "::1"
		}
	}
	scheme := "http"
	if c.TLSCert != "" || c.ACME {
		scheme = "https"
	}
	return scheme + "://" + net.JoinHostPort(host, port) + "/readyz", nil
}
