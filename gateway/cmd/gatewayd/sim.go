package main

import "context"

// runSim runs a partner simulator (review centre or registry).
func runSim(ctx context.Context, which string, args []string) error {
	switch which {
	case "review-centre":
		return runSimReviewCentre(ctx, args)
	case "registry":
		return runSimRegistry(ctx, args)
	}
	return usageError{"usage: gatewayd sim review-centre|registry [flags]"}
}
