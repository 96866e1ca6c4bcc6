// Package ui is Hookphone's window: the only package that imports fyne.io.
//
// Layout for whoever adds a view:
//   - app.go builds the Shell: one window, a sidebar of areas (Phone, Calls,
//     Webhooks, Streams, SIP trace, Settings), the tray menu, and the window
//     size and last area remembered in Fyne preferences (plaintext, so only
//     non-secrets go there).
//   - Each area is one file (phone.go, calls.go, webhooks.go, streams.go,
//     trace.go, settings.go with accounts.go) that returns a View. A view takes
//     its data through a small interface declared in its own file (see
//     ConfigStore and SecretStore in settings.go); Deps carries the
//     implementations, which main wires in run.go.
//   - run.go is the only file that creates a real fyne.App (app.NewWithID);
//     tests build the same Shell on fyne.io/fyne/v2/test's app instead.
//
// Threading (Fyne 2.6+, LIBNOTES §6.3): widget code runs on the UI goroutine.
// Blocking work (secret store, file I/O, network) runs through Deps.Async and
// comes back with fyne.Do; never touch a widget from another goroutine.
package ui
