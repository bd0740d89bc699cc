"""What the Spheres recipes share (spheres_alignment, alignment_metrics): the data and the
paper's numbers. No flags: both entry points import it."""

from igdtf.data.pipeline import evaluation_pipeline, training_pipeline
from igdtf.data.registry import dataset_info, load_split

PAPER = {  # Lanfredi et al., Spheres table (README of their code): accuracy 100 % for all three
    "baseline": {"alpha_dx": 0.637, "eps50_l2": 0.096, "eps50_linf": 0.0055},
    "alignment penalty (L_alpha)": {"alpha_dx": 0.886, "eps50_l2": 0.133, "eps50_linf": 0.0077},
    "PGD adversarial training": {"alpha_dx": 0.852, "eps50_l2": 0.127, "eps50_linf": 0.0074},
}


def paper_table() -> list[str]:
    """The paper's Spheres numbers (PAPER) as markdown lines."""
    lines = ["Paper (Lanfredi et al., 500-1000-1000-1 MLP, 800 000 steps of fresh samples, 100 % accuracy):", "",
             "| model | ᾱ_Δx | ε50% (L2) | ε50% (L∞) |", "|---|---|---|---|"]
    return lines + [f"| {name} | {r['alpha_dx']:.3f} | {r['eps50_l2']:.3f} | {r['eps50_linf']:.4f} |"
                    for name, r in PAPER.items()]


def spheres_batches(num_train: int, num_test: int, batch_size: int):
    """(info, shuffled training batches, test batches of 250) of Spheres."""
    info = dataset_info("spheres")
    train = training_pipeline(load_split("spheres", "train", num_samples=num_train), batch_size, seed=0)
    return info, train, evaluation_pipeline(load_split("spheres", "test", num_samples=num_test), 250)

