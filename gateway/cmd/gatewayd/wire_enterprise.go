package main

import "context"

// wireEnterprise wires the enterprise capability into the app.
func (a *app) wireEnterprise(ctx context.Context, d *deps) error {
	return nil
}
