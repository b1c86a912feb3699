from collections.abc import Callable
from typing import Any, TypeVar, overload

from typing_extensions import dataclass_transform

_T = TypeVar("_T")

@overload
@dataclass_transform()
def dataclass(cls: type[_T], /) -> type[_T]: ...
@overload
@dataclass_transform()
def dataclass(
    *,
    init: bool = ...,
    repr: bool = ...,
    eq: bool = ...,
    order: bool = ...,
    unsafe_hash: bool = ...,
    frozen: bool = ...,
    config: Any = ...,
    validate_on_init: bool | None = ...,
    kw_only: bool = ...,
    slots: bool = ...,
) -> Callable[[type[_T]], type[_T]]: ...
def __getattr__(name: str) -> Any: ...
