"""Work that may run on a worker (a filing package, a check with CBP, a risk assessment), recorded so the
page that asked for it can say truthfully what happened and show its progress while it runs."""
