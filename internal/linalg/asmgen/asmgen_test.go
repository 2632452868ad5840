package asmgen

import (
	"flag"
	"os"
	"testing"
)

var update = flag.Bool("update", false, "rewrite the generated assembly")

// TestGenerated fails when the committed kernel file differs from what the
// generator writes, so that the two cannot drift apart.
func TestGenerated(t *testing.T) {
	const path = "../panel_amd64.s"
	want := File()
	if *update {
		if err := os.WriteFile(path, []byte(want), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	got, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if string(got) != want {
		t.Fatalf("%s is not what asmgen writes: run go test ./internal/linalg/asmgen -run TestGenerated -update", path)
	}
}

// TestPanelShapes checks the generator refuses shapes that do not fit the
// 32 vector registers or the row addressing.
func TestPanelShapes(t *testing.T) {
	for _, s := range []struct{ mr, nv int }{{9, 1}, {0, 2}, {8, 4}, {7, 4}} {
		func() {
			defer func() {
				if recover() == nil {
					t.Errorf("Panel(%d, %d) did not panic", s.mr, s.nv)
				}
			}()
			Panel(s.mr, s.nv)
		}()
	}
}
