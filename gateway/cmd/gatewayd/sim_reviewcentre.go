package main

import "context"

func runSimReviewCentre(ctx context.Context, args []string) error {
	return usageError{"not built yet"}
}
