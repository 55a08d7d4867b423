package blob

import (
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"net/http"
	"net/url"
	"strings"
	"sync"

	"github.com/minio/minio-go/v7"
	"github.com/minio/minio-go/v7/pkg/credentials"
)

// S3 configures an S3-compatible bucket (Amazon S3, MinIO, versitygw,
// SeaweedFS, an on-premises appliance).
type S3 struct {
	// Endpoint is the server's address, https://host[:port] (or http://
	// for a server on the same host); empty means Amazon S3.
	Endpoint string
	// Region is the bucket's region; empty lets the client ask.
	Region string
	// AccessKey and SecretKey are the credentials; both empty means the
	// server allows anonymous access (never in production).
	AccessKey, SecretKey string
	// PathStyle addresses the bucket as host/bucket/key instead of
	// bucket.host/key, as most on-premises servers need.
	PathStyle bool

	transport http.RoundTripper // tests count requests; nil for the default
}

// s3PartSize is the size of one part of a multipart upload: the most an
// upload holds in memory (S3's smallest allowed part).
const s3PartSize = 5 << 20

// s3Backend keeps each object at prefix/ab/ab12…ef in a bucket. Objects are
// replaced atomically by S3 itself, so no temporary names are needed.
type s3Backend struct {
	c      *minio.Client
	bucket string
	prefix string // "" or ending in "/"
}

// ParseLocation splits s3://bucket/prefix into bucket and prefix. ok is
// false when loc is not an s3:// address (it is then a directory).
func ParseLocation(loc string) (bucket, prefix string, ok bool, err error) {
	if !strings.HasPrefix(loc, "s3://") {
		return "", "", false, nil
	}
	u, err := url.Parse(loc)
	if err != nil || u.Host == "" || u.User != nil || u.RawQuery != "" || u.Fragment != "" {
		return "", "", true, errors.New("must be s3://bucket or s3://bucket/prefix")
	}
	prefix = strings.Trim(u.Path, "/")
	if prefix != "" {
		prefix += "/"
	}
	return u.Host, prefix, true, nil
}

func openS3(ctx context.Context, loc string, o S3) (*s3Backend, error) {
	bucket, prefix, _, err := ParseLocation(loc)
	if err != nil {
		return nil, err
	}
	host, secure := "s3.amazonaws.com", true
	if o.Endpoint != "" {
		u, err := url.Parse(o.Endpoint)
		if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" || (u.Path != "" && u.Path != "/") {
			return nil, errors.New("S3 endpoint must be https://host[:port] or http://host[:port]")
		}
		host, secure = u.Host, u.Scheme == "https"
	}
	lookup := minio.BucketLookupAuto
	if o.PathStyle {
		lookup = minio.BucketLookupPath
	}
	var creds *credentials.Credentials
	if o.AccessKey != "" || o.SecretKey != "" {
		creds = credentials.NewStaticV4(o.AccessKey, o.SecretKey, "")
	} else {
		creds = credentials.New(&credentials.EnvAWS{})
	}
	transport := o.transport
	if transport == nil {
		transport = http.DefaultTransport
	}
	c, err := minio.New(host, &minio.Options{
		Creds: creds, Secure: secure, Region: o.Region, BucketLookup: lookup,
		Transport: transport, MaxRetries: 3,
	})
	if err != nil {
		return nil, err
	}
	b := &s3Backend{c: c, bucket: bucket, prefix: prefix}
	if err := b.ping(ctx); err != nil {
		return nil, err
	}
	return b, nil
}

func (b *s3Backend) key(id string) string { return b.prefix + id[:2] + "/" + id }

func (b *s3Backend) location() string {
	return "s3://" + b.bucket + "/" + strings.TrimSuffix(b.prefix, "/")
}

func (b *s3Backend) close() error { return nil }

func (b *s3Backend) ping(ctx context.Context) error {
	ok, err := b.c.BucketExists(ctx, b.bucket)
	if err != nil {
		return fmt.Errorf("bucket %s: %w", b.bucket, err)
	}
	if !ok {
		return fmt.Errorf("bucket %s does not exist", b.bucket)
	}
	return nil
}

// s3Err maps a missing object to fs.ErrNotExist.
func s3Err(err error) error {
	if err == nil {
		return nil
	}
	switch minio.ToErrorResponse(err).Code {
	case "NoSuchKey", "NotFound":
		return fmt.Errorf("%w: %w", fs.ErrNotExist, err)
	}
	return err
}

// create streams the ciphertext to PutObject through a pipe: memory holds
// at most one part (s3PartSize), whatever the size of the file.
func (b *s3Backend) create(ctx context.Context, id string) (objectWriter, error) {
	pr, pw := io.Pipe()
	w := &s3Writer{pw: pw, done: make(chan error, 1)}
	ctx, w.cancel = context.WithCancel(context.WithoutCancel(ctx))
	go func() {
		_, err := b.c.PutObject(ctx, b.bucket, b.key(id), pr, -1, minio.PutObjectOptions{
			ContentType: "application/octet-stream", PartSize: s3PartSize,
		})
		pr.CloseWithError(err) // unblock a writer if the upload failed early
		w.done <- err
	}()
	return w, nil
}

type s3Writer struct {
	pw       *io.PipeWriter
	done     chan error
	cancel   context.CancelFunc
	finished bool
}

func (w *s3Writer) Write(p []byte) (int, error) { return w.pw.Write(p) }

func (w *s3Writer) commit() error {
	w.finished = true
	w.pw.Close()
	err := <-w.done
	w.cancel()
	if err != nil {
		return fmt.Errorf("upload: %w", err)
	}
	return nil
}

// abort fails the pipe, so PutObject sees an error instead of an end: a
// single-part upload is never sent, and a multipart one is aborted.
func (w *s3Writer) abort() {
	if w.finished {
		return
	}
	w.finished = true
	w.pw.CloseWithError(errors.New("upload abandoned"))
	w.cancel()
	<-w.done
}

// s3Object reads ranges of one object with ranged GETs. Each GET fetches
// at least s3Window bytes and keeps them, so that playing a recording from
// any point costs one request per window, not one per 64 KiB chunk, and a
// seek fetches only the window it lands in.
type s3Object struct {
	b   *s3Backend
	ctx context.Context
	key string
	n   int64

	mu     sync.Mutex
	win    []byte // the bytes at winOff
	winOff int64
}

// s3Window is how much one ranged GET fetches.
const s3Window = 1 << 20

func (o *s3Object) size() int64  { return o.n }
func (o *s3Object) Close() error { return nil }

func (o *s3Object) ReadAt(p []byte, off int64) (int, error) {
	if off < 0 {
		return 0, errors.New("negative offset")
	}
	if off >= o.n {
		return 0, io.EOF
	}
	want := min(int64(len(p)), o.n-off)
	o.mu.Lock()
	defer o.mu.Unlock()
	if off < o.winOff || off+want > o.winOff+int64(len(o.win)) {
		if err := o.fetch(off, max(want, s3Window)); err != nil {
			return 0, err
		}
	}
	n := copy(p[:want], o.win[off-o.winOff:])
	if int64(n) < int64(len(p)) {
		return n, io.EOF
	}
	return n, nil
}

// fetch reads length bytes (fewer at the end) from off into the window.
func (o *s3Object) fetch(off, length int64) error {
	length = min(length, o.n-off)
	var opts minio.GetObjectOptions
	if err := opts.SetRange(off, off+length-1); err != nil {
		return err
	}
	r, err := o.b.c.GetObject(o.ctx, o.b.bucket, o.key, opts)
	if err != nil {
		return s3Err(err)
	}
	defer r.Close()
	if int64(cap(o.win)) < length {
		o.win = make([]byte, length)
	}
	o.win = o.win[:length]
	o.winOff = -1
	if _, err := io.ReadFull(r, o.win); err != nil {
		o.win = o.win[:0]
		return s3Err(err)
	}
	o.winOff = off
	return nil
}

func (b *s3Backend) open(ctx context.Context, id string) (object, error) {
	info, err := b.c.StatObject(ctx, b.bucket, b.key(id), minio.StatObjectOptions{})
	if err != nil {
		return nil, s3Err(err)
	}
	return &s3Object{b: b, ctx: context.WithoutCancel(ctx), key: b.key(id), n: info.Size}, nil
}

func (b *s3Backend) stream(ctx context.Context, id string) (io.ReadCloser, error) {
	// StatObject first: GetObject reports a missing key only on the first read.
	if _, err := b.c.StatObject(ctx, b.bucket, b.key(id), minio.StatObjectOptions{}); err != nil {
		return nil, s3Err(err)
	}
	r, err := b.c.GetObject(ctx, b.bucket, b.key(id), minio.GetObjectOptions{})
	if err != nil {
		return nil, s3Err(err)
	}
	return s3Reader{r}, nil
}

type s3Reader struct{ r *minio.Object }

func (s s3Reader) Read(p []byte) (int, error) {
	n, err := s.r.Read(p)
	if err != nil && err != io.EOF {
		err = s3Err(err)
	}
	return n, err
}
func (s s3Reader) Close() error { return s.r.Close() }

// remove deletes the object. With versioning off (see docs/operations.md)
// the bucket keeps no copy; there is nothing to overwrite in place.
func (b *s3Backend) remove(ctx context.Context, id string) error {
	if _, err := b.c.StatObject(ctx, b.bucket, b.key(id), minio.StatObjectOptions{}); err != nil {
		return s3Err(err)
	}
	return s3Err(b.c.RemoveObject(ctx, b.bucket, b.key(id), minio.RemoveObjectOptions{}))
}

func (b *s3Backend) list(ctx context.Context, fn func(id string) error) error {
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	ch := b.c.ListObjects(ctx, b.bucket, minio.ListObjectsOptions{Prefix: b.prefix, Recursive: true})
	var ferr error
	for o := range ch { // drained to the end, as ListObjects asks
		if ferr != nil {
			continue
		}
		if o.Err != nil {
			ferr = o.Err
			cancel()
			continue
		}
		rest := strings.TrimPrefix(o.Key, b.prefix)
		shard, id, ok := strings.Cut(rest, "/")
		if !ok || !validID(id) || shard != id[:2] {
			continue
		}
		if err := fn(id); err != nil {
			ferr = err
			cancel()
		}
	}
	return ferr
}
