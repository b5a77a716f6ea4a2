package benchkit

import (
	"archive/zip"
	"bytes"
	"compress/flate"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
)

// ZippedSize returns the size of a deployment zip holding path as
// "bootstrap" (mode 0755), as a Lambda package is uploaded. It uses
// `zip -9` when that tool is installed, else archive/zip at the best
// compression level; how tells which.
func ZippedSize(path string) (size int64, how string, err error) {
	if zipTool, lookErr := exec.LookPath("zip"); lookErr == nil {
		dir, err := os.MkdirTemp("", "benchzip")
		if err != nil {
			return 0, "", err
		}
		defer os.RemoveAll(dir)
		abs, err := filepath.Abs(path)
		if err != nil {
			return 0, "", err
		}
		if err := os.Symlink(abs, filepath.Join(dir, "bootstrap")); err != nil { // zip stores what it points to
			return 0, "", err
		}
		out := filepath.Join(dir, "function.zip")
		cmd := exec.Command(zipTool, "-9", "-q", "-X", out, "bootstrap")
		cmd.Dir = dir
		if b, err := cmd.CombinedOutput(); err != nil {
			return 0, "", fmt.Errorf("zip -9 %s: %w: %s", path, err, b)
		}
		fi, err := os.Stat(out)
		if err != nil {
			return 0, "", err
		}
		return fi.Size(), "zip -9", nil
	}
	n, err := goZipSize(path)
	return n, "archive/zip (flate level 9)", err
}

func goZipSize(path string) (int64, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return 0, err
	}
	var buf bytes.Buffer
	zw := zip.NewWriter(&buf)
	zw.RegisterCompressor(zip.Deflate, func(w io.Writer) (io.WriteCloser, error) {
		return flate.NewWriter(w, flate.BestCompression)
	})
	hdr := &zip.FileHeader{Name: "bootstrap", Method: zip.Deflate}
	hdr.SetMode(0o755)
	w, err := zw.CreateHeader(hdr)
	if err != nil {
		return 0, err
	}
	if _, err := w.Write(data); err != nil {
		return 0, err
	}
	if err := zw.Close(); err != nil {
		return 0, err
	}
	return int64(buf.Len()), nil
}
