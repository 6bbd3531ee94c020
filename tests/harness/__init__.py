"""The suite's own machinery; `plugin` wires it into pytest."""
