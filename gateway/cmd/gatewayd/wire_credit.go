package main

import "context"

// wireCredit wires the credit capability into the app.
func (a *app) wireCredit(ctx context.Context, d *deps) error {
	return nil
}
