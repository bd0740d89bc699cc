"""`python -m igdtf.evaluate --model NAME=PATH ... --dataset D --output_dir DIR`: compare models on
the robustness suite. The command line lives in igdtf/recipes/evaluate.py (flags are defined only
in recipes); run with --help for every flag."""

if __name__ == "__main__":
    from igdtf.recipes.evaluate import main
    from igdtf.recipes.runner import run

    run(main)
