"""Read-only JSON-safe values: one value handed to many readers, which nobody can change.

A session snapshot is made after every scan; its order part (a 2,000-line order is ~100 KB of JSON)
does not change while the order is packed. ``freeze`` makes that part once per session as a
``ReadOnlyDict`` whose lists are ``ReadOnlyList``, so every snapshot can hand out the same value and the store
can tell an unchanged order by identity (``is``) instead of comparing or serialising it again.
They are ``dict`` and ``list`` subclasses, so ``json.dumps`` writes them exactly as the plain value and
they compare equal to it (to the same data read back from JSON, say); a copy (``copy``, ``deepcopy``,
pickle) is a plain, changeable ``dict`` or ``list``.
"""

from __future__ import annotations

from typing import Any, NoReturn


class ReadOnlyDict(dict[str, Any]):
    """A ``dict`` whose every changing method raises ``TypeError``."""

    def _refuse(self) -> NoReturn:
        raise TypeError("this value is shared and read-only; change a copy (dict(value))")

    def __setitem__(self, key: str, value: Any) -> None:
        self._refuse()

    def __delitem__(self, key: str) -> None:
        self._refuse()

    def __ior__(self, other: Any) -> NoReturn:  # type: ignore[misc]
        self._refuse()

    def update(self, *args: Any, **kwargs: Any) -> None:
        self._refuse()

    def pop(self, *args: Any) -> Any:
        self._refuse()

    def popitem(self) -> tuple[str, Any]:
        self._refuse()

    def clear(self) -> None:
        self._refuse()

    def setdefault(self, *args: Any) -> Any:
        self._refuse()

    def __reduce__(self) -> tuple[Any, ...]:
        return (dict, (dict(self),))  # copies and pickles are plain dicts

    def __copy__(self) -> dict[str, Any]:
        return dict(self)

    def __deepcopy__(self, memo: dict[int, Any]) -> dict[str, Any]:
        import copy

        return {key: copy.deepcopy(value, memo) for key, value in self.items()}


class ReadOnlyList(list[Any]):
    """A ``list`` whose every changing method raises ``TypeError``."""

    def _refuse(self) -> NoReturn:
        raise TypeError("this value is shared and read-only; change a copy (list(value))")

    def __setitem__(self, index: Any, value: Any) -> None:
        self._refuse()

    def __delitem__(self, index: Any) -> None:
        self._refuse()

    def __iadd__(self, other: Any) -> NoReturn:  # type: ignore[misc]
        self._refuse()

    def __imul__(self, other: Any) -> NoReturn:  # type: ignore[misc]
        self._refuse()

    def append(self, value: Any) -> None:
        self._refuse()

    def extend(self, values: Any) -> None:
        self._refuse()

    def insert(self, index: Any, value: Any) -> None:
        self._refuse()

    def remove(self, value: Any) -> None:
        self._refuse()

    def pop(self, *args: Any) -> Any:
        self._refuse()

    def clear(self) -> None:
        self._refuse()

    def sort(self, *args: Any, **kwargs: Any) -> None:
        self._refuse()

    def reverse(self) -> None:
        self._refuse()

    def __reduce__(self) -> tuple[Any, ...]:
        return (list, (list(self),))

    def __copy__(self) -> list[Any]:
        return list(self)

    def __deepcopy__(self, memo: dict[int, Any]) -> list[Any]:
        import copy

        return [copy.deepcopy(value, memo) for value in self]


def freeze(value: Any) -> Any:
    """``value`` (JSON-safe: dicts, lists, scalars) as read-only, all the way down."""
    if isinstance(value, dict):
        return ReadOnlyDict({key: freeze(item) for key, item in value.items()})
    if isinstance(value, (list, tuple)):
        return ReadOnlyList(freeze(item) for item in value)
    return value
