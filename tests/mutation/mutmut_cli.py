"""mutmut's command line, taught two of our decorators (used by tests/mutation/run.py).

mutmut 3 skips every decorated function, because copying a decorator can register a function
twice or change what it returns. That would leave out the core of the modules under test: every
alert rule is registered with ``@rule(...)``, most services are ``@transaction.atomic`` and many
figures are properties (``Indicator.on_target``). These are safe when they wrap the trampoline
(mutmut's dispatcher to the original or the mutant) and not the copies: the rule is registered
once, the transaction wraps the call as before, the property reads the mutant's method. A cache
decorator goes the other way, on the copies only: a cache on the trampoline would keep the
original's results, warmed before mutmut forks, and hide the mutant. Any other decorator keeps
mutmut's own behaviour (skipped). mutmut is pinned to the version these two hooks were written
against (pyproject.toml).
"""

from __future__ import annotations

import libcst as cst
from mutmut.mutation import file_mutation

ON_TRAMPOLINE = {"transaction.atomic", "rule", "property"}
ON_COPIES = {"cache", "lru_cache", "functools.cache", "functools.lru_cache"}


def decorator_name(decorator: cst.Decorator) -> str:
    expression = decorator.decorator
    if isinstance(expression, cst.Call):
        expression = expression.func
    return cst.Module(body=[]).code_for_node(expression)


def handled(function: cst.FunctionDef) -> bool:
    names = [decorator_name(decorator) for decorator in function.decorators]
    return bool(names) and all(name in ON_TRAMPOLINE | ON_COPIES for name in names)


original_skip = file_mutation.MutationVisitor._skip_node_and_children
original_arrangement = file_mutation.function_trampoline_arrangement


def skip_node_and_children(self, node: cst.CSTNode) -> bool:
    if isinstance(node, cst.FunctionDef) and handled(node):
        position = self.get_metadata(file_mutation.PositionProvider, node, None)
        if position and position.start.line in self._ignored_node_lines:
            return original_skip(self, node)  # "pragma: no mutate" on the function: mutmut's rule
        return node.name.value in file_mutation.NEVER_MUTATE_FUNCTION_NAMES
    return original_skip(self, node)


def function_trampoline_arrangement(function: cst.FunctionDef, mutants, class_name):
    if not handled(function):
        return original_arrangement(function, mutants, class_name)
    on_copies = [d for d in function.decorators if decorator_name(d) in ON_COPIES]
    on_trampoline = [d for d in function.decorators if decorator_name(d) not in ON_COPIES]
    declarations, nodes, assignments, names = original_arrangement(function.with_changes(decorators=on_trampoline), mutants, class_name)
    # nodes[0] is the trampoline (original decorators + mutmut's), then the original and the mutants.
    nodes = [nodes[0], *(node.with_changes(decorators=on_copies) for node in nodes[1:])]
    return declarations, nodes, assignments, names


file_mutation.MutationVisitor._skip_node_and_children = skip_node_and_children
file_mutation.function_trampoline_arrangement = function_trampoline_arrangement

if __name__ == "__main__":
    import sys

    from mutmut.__main__ import cli

    # ``python -m tests.mutation.mutmut_cli`` imported the package ``tests`` from the work folder
    # (a link to the project's tests). mutmut then runs pytest in this process inside ``mutants/``,
    # where the tests are a copy: pytest refuses a ``tests.conftest`` found at another path than
    # the package already imported (ImportPathMismatchError — ``--keep`` runs hit it). The hooks
    # above are installed; forget the package so that pytest imports the copy.
    for name in [name for name in sys.modules if name == "tests" or name.startswith("tests.")]:
        del sys.modules[name]
    cli()
