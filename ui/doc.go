// Package ui is Hookphone's window: the only package that imports fyne.io.
//
// Layout for whoever adds a view:
//   - app.go builds the Shell: one window, a sidebar of areas (Phone, Calls,
//     Webhooks, Streams, SIP trace, Settings), the tray menu, and the window
//     size and last area remembered in Fyne preferences (plaintext, so only
//     non-secrets go there).
//   - Each area is one file (phone.go, calls.go, webhooks.go, streams.go,
//     trace.go, settings.go with accounts.go) that returns a View. A view takes
//     its data through small interfaces declared in ui (ConfigStore and
//     SecretStore in state.go; the services behind Phone, Calls, Webhooks,
//     Streams and SIP trace in services.go). Deps carries the
//     implementations; run.go wires the real ones (services_real.go).
//   - To add an area: write ui/<area>.go with a constructor returning a View
//     (the area type in view.go is enough), list it where NewShell builds
//     s.views (newServiceViews for service-backed areas), and give it a
//     headless test on test.NewTempApp with a golden under testdata/.
//   - run.go is the only file that creates a real fyne.App (app.NewWithID);
//     tests build the same Shell on fyne.io/fyne/v2/test's app instead.
//
// Threading (Fyne 2.6+, LIBNOTES §6.3): widget code runs on the UI goroutine.
// Blocking work (secret store, file I/O, network) runs through Deps.Async and
// comes back with fyne.Do; never touch a widget from another goroutine.
package ui
