package blob

import (
	"context"
	"io"
)

// backend keeps the ciphertext of blobs somewhere: on local disk
// (localBackend, the default) or in an S3-compatible bucket (s3Backend).
// It sees only ciphertext and ids that validID accepts; encryption, type
// checks and hashing stay in Store.
type backend interface {
	// create starts writing a new object named id. Nothing is visible under
	// id until commit returns nil; abort discards what was written.
	create(ctx context.Context, id string) (objectWriter, error)
	// open returns random access to the object's ciphertext.
	open(ctx context.Context, id string) (object, error)
	// stream returns a sequential reader of the object's ciphertext.
	stream(ctx context.Context, id string) (io.ReadCloser, error)
	// remove destroys the object; an unknown id fails with fs.ErrNotExist.
	remove(ctx context.Context, id string) error
	// list calls fn with the id of every object, in no particular order,
	// and stops at the first error fn returns.
	list(ctx context.Context, fn func(id string) error) error
	// ping reports whether the storage answers.
	ping(ctx context.Context) error
	// location describes where the objects are, for messages: a directory
	// or s3://bucket/prefix (never a credential).
	location() string
	close() error
}

// objectWriter receives the ciphertext of a new object.
type objectWriter interface {
	io.Writer
	// commit makes the object durable and visible under its id, replacing
	// any object of the same id.
	commit() error
	// abort discards the object; it is a no-op after commit.
	abort()
}

// object is random access to one object's ciphertext.
type object interface {
	io.ReaderAt
	size() int64
	io.Closer
}
