// Package kasuhara holds the domain of Kasuhara, a system with which a company
// protects its employees from customer harassment: the plain types
// (organisations, users, roles, audit entries, …), the error type, and the
// service interfaces that storage packages implement and the web layer calls.
//
// The package imports neither database/sql nor net/http; internal/store and
// internal/web do, and cmd/kasuhara wires them together.
package kasuhara
