from collections.abc import Callable
from typing import Any, TypeVar, overload

from typing_extensions import dataclass_transform

_T = TypeVar("_T")

def attrib(
    *,
    default: Any = ...,
    factory: Callable[[], Any] | None = ...,
    kw_only: bool = ...,
    init: bool = ...,
    **kwargs: Any,
) -> Any: ...
def field(
    *,
    default: Any = ...,
    factory: Callable[[], Any] | None = ...,
    kw_only: bool = ...,
    init: bool = ...,
    **kwargs: Any,
) -> Any: ...

ib = attrib

@overload
@dataclass_transform(field_specifiers=(attrib, field))
def define(maybe_cls: type[_T], /) -> type[_T]: ...
@overload
@dataclass_transform(field_specifiers=(attrib, field))
def define(
    *, frozen: bool = ..., kw_only: bool = ..., **kwargs: Any
) -> Callable[[type[_T]], type[_T]]: ...
@overload
@dataclass_transform(frozen_default=True, field_specifiers=(attrib, field))
def frozen(maybe_cls: type[_T], /) -> type[_T]: ...
@overload
@dataclass_transform(frozen_default=True, field_specifiers=(attrib, field))
def frozen(*, kw_only: bool = ..., **kwargs: Any) -> Callable[[type[_T]], type[_T]]: ...
@overload
@dataclass_transform(field_specifiers=(attrib, field))
def attrs(maybe_cls: type[_T], /) -> type[_T]: ...
@overload
@dataclass_transform(field_specifiers=(attrib, field))
def attrs(
    *, frozen: bool = ..., kw_only: bool = ..., auto_attribs: bool = ..., **kwargs: Any
) -> Callable[[type[_T]], type[_T]]: ...

mutable = define
s = attrs
dataclass = define

def __getattr__(name: str) -> Any: ...
