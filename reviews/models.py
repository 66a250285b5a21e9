"""Quality reviews of claims."""
