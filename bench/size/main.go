// Command size builds each bootstrap for Lambda (linux/arm64, release flags)
// next to the hello-world and SDK floors and prints their sizes, zipped sizes
// and ratios to both floors, and the SDK floor's ratio to hello: what the SDK
// itself costs, release to release. It fails only when a build fails.
package main

import (
	"archive/zip"
	"bytes"
	"compress/flate"
	"context"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"

	"github.com/periskope-connect/periskope-aws/bench/benchkit"
	"github.com/periskope-connect/periskope-aws/internal/dev/deployment"
	"github.com/periskope-connect/periskope-aws/internal/dev/lambdabuild"
)

// Goals of issue 12.
const (
	ratioGoal    = 1.05 // of the SDK floor's size
	zipGoalBytes = 3 << 20
)

func main() { benchkit.Main("size", run) }

type binary struct{ size, zip int64 }

func run() error {
	root, err := deployment.FindRoot()
	if err != nil {
		return err
	}
	out, err := os.MkdirTemp("", "bench-size")
	if err != nil {
		return err
	}
	defer os.RemoveAll(out)
	bins, how := map[benchkit.Target]binary{}, ""
	for _, t := range benchkit.Reported {
		dst := filepath.Join(out, filepath.Base(t.Package), "bootstrap")
		// Lambda's Linux on the template's Architectures.
		if err := lambdabuild.Bootstrap(context.Background(), root, t.Package, "linux", "arm64", dst); err != nil {
			return err
		}
		fi, err := os.Stat(dst)
		if err != nil {
			return err
		}
		var zipped int64
		if zipped, how, err = zippedSize(dst); err != nil {
			return err
		}
		bins[t] = binary{size: fi.Size(), zip: zipped}
	}
	printTable(bins, how)
	return nil
}

func printTable(bins map[benchkit.Target]binary, zippedWith string) {
	hello, sdk := bins[benchkit.Hello], bins[benchkit.SDKFloor]
	fmt.Printf("Binary size, linux/arm64, CGO_ENABLED=0 go build %s; zipped with %s\n", strings.Join(lambdabuild.Flags, " "), zippedWith)
	fmt.Printf("machine: %s\n\n", benchkit.Machine())
	fmt.Println("| binary | size | ÷ hello | ÷ SDK floor | goal | zipped | goal | verdict |")
	fmt.Println("| --- | ---: | ---: | ---: | --- | ---: | --- | --- |")
	for _, t := range benchkit.Reported {
		b := bins[t]
		toHello, toSDK := float64(b.size)/float64(hello.size), float64(b.size)/float64(sdk.size)
		fmt.Printf("| %s | %s (%d B) | %.3f× | %.3f× | ≤ %.2f× | %s | ≤ 3 MiB | %s |\n", t.Name, benchkit.MiB(b.size), b.size,
			toHello, toSDK, ratioGoal, benchkit.MiB(b.zip), sizeVerdict(t, toSDK, b.zip))
	}
	fmt.Printf("\nSDK floor ÷ hello: %.3f× (+%s): what the AWS SDK's DynamoDB and Secrets Manager clients cost any function.\n",
		float64(sdk.size)/float64(hello.size), benchkit.MiB(sdk.size-hello.size))
	ct, variant := bins[benchkit.CreateTicket], bins[benchkit.CreateTicketLoadDefault]
	fmt.Printf("\nconfig.LoadDefaultConfig instead of internal/awsenv would add %s to create-ticket (+%.0f%%), %s zipped.\n",
		benchkit.MiB(variant.size-ct.size), 100*float64(variant.size-ct.size)/float64(ct.size), benchkit.MiB(variant.zip-ct.zip))
}

// sizeVerdict judges a deployed function against the SDK floor and the zip
// goal.
func sizeVerdict(t benchkit.Target, toSDK float64, zipped int64) string {
	if v := benchkit.Unjudged[t]; v != "" {
		return v
	}
	return benchkit.Verdict(toSDK, ratioGoal) + ", zip " + benchkit.Verdict(float64(zipped), zipGoalBytes)
}

// zippedSize is the size of the deployment zip of the bootstrap at path (its
// name "bootstrap", as Lambda wants): by `zip -9` when that is installed, else
// by archive/zip at flate's best level; how tells which.
func zippedSize(path string) (size int64, how string, err error) {
	zipTool, lookErr := exec.LookPath("zip")
	if lookErr != nil {
		size, err = goZipSize(path)
		return size, "archive/zip (flate level 9)", err
	}
	out := path + ".zip"
	if b, err := exec.Command(zipTool, "-9", "-q", "-X", "-j", out, path).CombinedOutput(); err != nil {
		return 0, "", fmt.Errorf("zip -9 %s: %w: %s", path, err, b)
	}
	fi, err := os.Stat(out)
	if err != nil {
		return 0, "", err
	}
	return fi.Size(), "zip -9", nil
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
