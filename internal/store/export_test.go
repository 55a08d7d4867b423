package store

// TokenTouchWait lets tests shorten how long a request waits to record its
// token's use.
var TokenTouchWait = &tokenTouchWait
