"""What the Spheres recipes share (spheres_alignment, alignment_metrics): the data and the
paper's numbers. No flags: both entry points import it."""

from igdtf.data.pipeline import evaluation_pipeline, training_pipeline
from igdtf.data.registry import dataset_info, load_split

PAPER = {  # Lanfredi et al., Table 2, rows S-B, S-Lα, S-P (means over 5 runs)
    "baseline": {"clean_acc": 0.994, "alpha_dx": 0.659, "eps50_l2": 0.099, "eps50_linf": 0.0058},
    "alignment penalty (L_alpha)": {"clean_acc": 1.0, "alpha_dx": 0.886, "eps50_l2": 0.133, "eps50_linf": 0.0076},
    "PGD adversarial training": {"clean_acc": 1.0, "alpha_dx": 0.851, "eps50_l2": 0.126, "eps50_linf": 0.0073},
}
RHO_OVER_ALPHA = 0.15  # section 2.1: ρ = ‖Δx‖·ᾱ_Δx/2 with ‖Δx‖ = 0.3; Table 2's rows give 0.148–0.151


def paper_table() -> list[str]:
    """The paper's Spheres numbers (PAPER) as markdown lines."""
    lines = ["Paper (Lanfredi et al., Table 2: 500→1000→1000→1 MLP, Adam 1e-4, batch 50, 80 epochs of 10 million "
             "fresh samples):", "",
             "| model | clean acc (%) | ᾱ_Δx | ε50% (L2) | ε50% (L∞) | ε50% (L2) / ᾱ_Δx |", "|---|---|---|---|---|---|"]
    return lines + [f"| {name} | {100 * r['clean_acc']:.1f} | {r['alpha_dx']:.3f} | {r['eps50_l2']:.3f} | "
                    f"{r['eps50_linf']:.4f} | {r['eps50_l2'] / r['alpha_dx']:.3f} |" for name, r in PAPER.items()]


def spheres_batches(num_train: int, num_test: int, batch_size: int):
    """(info, shuffled training batches, test batches of 250) of Spheres."""
    info = dataset_info("spheres")
    train = training_pipeline(load_split("spheres", "train", num_samples=num_train), batch_size, seed=0)
    return info, train, evaluation_pipeline(load_split("spheres", "test", num_samples=num_test), 250)

