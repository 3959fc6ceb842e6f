package main

import "context"

// wireDelivery wires the delivery capability into the app.
func (a *app) wireDelivery(ctx context.Context, d *deps) error {
	return nil
}
