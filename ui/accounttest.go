package ui

import (
	"context"
	"errors"
	"strings"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"

	"github.com/hookphone/hookphone/config"
)

// testTimeout bounds one "Test connection" (TLS handshake and REGISTER).
const testTimeout = 30 * time.Second

// testConnectionButton is the accounts form's "Test connection": it
// registers the account as typed (saved or not) once and shows the outcome
// under the form. The password typed wins; else the stored one is used.
func (v *accountsView) testConnectionButton(phone PhoneService) *widget.Button {
	var b *widget.Button
	b = widget.NewButtonWithIcon("Test connection", theme.MediaPlayIcon(), func() {
		if phone == nil {
			v.setStatus("The call engine is not running, so the account cannot be tested (see the log).", widget.DangerImportance)
			return
		}
		a := v.accountFromForm()
		if strings.TrimSpace(a.Server) == "" || strings.TrimSpace(a.User) == "" {
			v.setStatus("Fill in at least the server and the user to test the connection.", widget.WarningImportance)
			return
		}
		typed := v.password.Text
		b.Disable()
		v.setStatus("Testing "+a.Server+"…", widget.MediumImportance)
		v.async(func() {
			ctx, cancel := context.WithTimeout(context.Background(), testTimeout)
			defer cancel()
			pw := typed
			if pw == "" && a.Name != "" && v.secrets != nil {
				stored, err := v.secrets.Get(ctx, config.AccountPasswordKey(a.Name))
				if err != nil && !errors.Is(err, config.ErrSecretNotFound) {
					v.log.Warn("secret store", "err", err)
				}
				pw = stored
			}
			res, err := phone.TestAccount(ctx, a, pw)
			fyne.Do(func() {
				b.Enable()
				if err != nil {
					v.setStatus("Test failed: "+err.Error(), widget.DangerImportance)
					return
				}
				v.setStatus("Test passed: "+res, widget.SuccessImportance)
			})
		})
	})
	return b
}
