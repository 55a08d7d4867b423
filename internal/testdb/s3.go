package testdb

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"net/url"
	"os"
	"testing"

	"github.com/minio/minio-go/v7"
	"github.com/minio/minio-go/v7/pkg/credentials"
)

// S3Bucket is a fresh bucket on the S3-compatible test server.
type S3Bucket struct {
	Endpoint  string // http://host:port
	Region    string
	AccessKey string
	SecretKey string
	Bucket    string
	Client    *minio.Client
}

// Location is the bucket as KASUHARA_BLOB names it, with prefix.
func (b S3Bucket) Location(prefix string) string { return "s3://" + b.Bucket + "/" + prefix }

// Env is the environment that points kasuhara at the bucket.
func (b S3Bucket) Env(prefix string) []string {
	return []string{
		"KASUHARA_BLOB=" + b.Location(prefix), "KASUHARA_S3_ENDPOINT=" + b.Endpoint,
		"KASUHARA_S3_REGION=" + b.Region, "KASUHARA_S3_PATH_STYLE=true",
		"AWS_ACCESS_KEY_ID=" + b.AccessKey, "AWS_SECRET_ACCESS_KEY=" + b.SecretKey,
	}
}

// NewS3Bucket creates an empty bucket on the S3-compatible server named by
// KASUHARA_TEST_S3 (http://ACCESS:SECRET@host:port, .ci/run starts
// versitygw), removed with its objects when the test ends. Without the
// variable, or when the server does not answer, the test is skipped —
// unless KASUHARA_REQUIRE_S3=1, which makes it fail.
func NewS3Bucket(t testing.TB) S3Bucket {
	t.Helper()
	fail := func(format string, args ...any) {
		t.Helper()
		if os.Getenv("KASUHARA_REQUIRE_S3") == "1" {
			t.Fatalf("an S3 server is required (KASUHARA_REQUIRE_S3=1): "+format, args...)
		}
		t.Skipf("no S3 server: "+format+"; set KASUHARA_TEST_S3=http://ACCESS:SECRET@host:port", args...)
	}
	raw := os.Getenv("KASUHARA_TEST_S3")
	if raw == "" {
		fail("KASUHARA_TEST_S3 is not set")
	}
	u, err := url.Parse(raw)
	if err != nil || u.User == nil || u.Host == "" {
		t.Fatalf("KASUHARA_TEST_S3 must be http://ACCESS:SECRET@host:port")
	}
	secret, _ := u.User.Password()
	b := S3Bucket{Endpoint: u.Scheme + "://" + u.Host, Region: "us-east-1", AccessKey: u.User.Username(), SecretKey: secret}
	c, err := minio.New(u.Host, &minio.Options{
		Creds: credentials.NewStaticV4(b.AccessKey, b.SecretKey, ""), Secure: u.Scheme == "https",
		Region: b.Region, BucketLookup: minio.BucketLookupPath,
	})
	if err != nil {
		t.Fatal(err)
	}
	var rnd [6]byte
	rand.Read(rnd[:])
	b.Bucket, b.Client = "kasuhara-test-"+hex.EncodeToString(rnd[:]), c
	ctx := context.Background()
	if err := c.MakeBucket(ctx, b.Bucket, minio.MakeBucketOptions{Region: b.Region}); err != nil {
		fail("create bucket: %v", err)
	}
	t.Cleanup(func() {
		for o := range c.ListObjects(ctx, b.Bucket, minio.ListObjectsOptions{Recursive: true}) {
			if o.Err == nil {
				c.RemoveObject(ctx, b.Bucket, o.Key, minio.RemoveObjectOptions{})
			}
		}
		c.RemoveBucket(ctx, b.Bucket)
	})
	return b
}
