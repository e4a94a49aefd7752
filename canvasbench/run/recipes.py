"""Build recipes: a contestant made of steps (a planner's design, a builder's page, repairs by it or a fixer).

A recipe is written `plan=MODEL,build=MODEL,fix=MODEL,repair=N,name=NAME` (only `build` is required). It is
stored in its comparison's options in that canonical spelling, with its name, so a re-run carries it as it was.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, replace

from canvasbench.errors import UsageError
from canvasbench.providers.catalogue import model_info
from canvasbench.providers.registry import ensure_ready, parse_model_id, provider_names
from canvasbench.run.acceptable import MAX_REPAIR

KEYS = ("plan", "build", "fix", "repair", "name")
EXAMPLE = "plan=gemini:gemini-3-pro-preview,build=gemini:gemini-3-flash-preview,repair=2"
MAX_NAME = 80
# Said where a name is refused: the CLI and the launch form's recipe builder both raise these messages.
_NAME_HOW = "name=... in --recipe, or the Name field of the launch form's recipe builder"
# A comma starts the next setting only where KEY= follows: model ids (`fake;rounds=a,b`) and names may hold commas.
_SPLIT = re.compile(r",\s*(?=[A-Za-z_]\w*\s*=)")
_VERSIONS = re.compile(r"^(?:\d+(?:\.\d+)*|\d{4,}|preview|latest|exp|v\d+)$")
_FAMILIES = frozenset({"gemini", "claude", "models"})


@dataclass(frozen=True)
class Recipe:
    """One recipe contestant: who plans (optional), builds, fixes (optional), how many repairs, and its name."""

    build: str
    plan: str | None = None
    fix: str | None = None
    repair: int = 0
    name: str = ""

    @property
    def spec(self) -> str:
        """The canonical spelling, as stored with the comparison (parses back to this recipe)."""
        parts = [f"plan={self.plan}"] if self.plan else []
        parts.append(f"build={self.build}")
        if self.fix:
            parts.append(f"fix={self.fix}")
        parts.append(f"repair={self.repair}")
        return ",".join([*parts, f"name={self.name}"])

    @property
    def first_model(self) -> str:
        """The model of its first step: the planner's, else the builder's."""
        return self.plan or self.build

    @property
    def model_ids(self) -> list[str]:
        """Every model it sends to (planner, builder, fixer), once each."""
        return list(dict.fromkeys(m for m in (self.plan, self.build, self.fix) if m))

    def steps(self) -> str:
        """Its steps for people: 'plan: A → build: B → 2 repairs by C'."""
        parts = [f"plan: {self.plan}"] if self.plan else []
        parts.append(f"build: {self.build}")
        if self.repair:
            who = f" by {self.fix}" if self.fix else ""
            parts.append(f"{self.repair} repair{'s' if self.repair != 1 else ''}{who}")
        return " → ".join(parts)


def short_name(model_id: str) -> str:
    """A model's short name for recipe names: `gemini:gemini-3-flash-preview` -> `flash`; `openai:gpt-5.2` stays."""
    provider, model = parse_model_id(model_id)
    info = model_info(f"{provider}:{model}")
    base = (info.model if info else model).split(";", 1)[0].split("/")[-1]
    words = [w for w in base.lower().split("-") if w]
    kept = [w for i, w in enumerate(words) if not _VERSIONS.match(w) and not (i == 0 and w in _FAMILIES)]
    return "-".join(kept) if kept and kept != words[:1] else base


def _count(n: int) -> str:
    return f"{n} repair{'s' if n != 1 else ''}"


def default_name(
    build: str, plan: str | None = None, fix: str | None = None, repair: int = 0, *, longer: bool = False
) -> str:
    """A short, readable name: `flash+2 repairs`, `pro plans, flash builds`, `flash builds, pro fixes+2 repairs`;
    `longer` spells the models out (`gemini-2.5-flash+2 repairs`), to tell apart recipes with one short name."""
    models = [m for m in dict.fromkeys((plan, build, fix)) if m]
    spellings = {m: [short_name(m), parse_model_id(m)[1].split(";", 1)[0], m.split(";", 1)[0], m] for m in models}
    level = dict.fromkeys(models, 1 if longer else 0)
    while True:  # two different models under one short name: only those get a longer one, until each is told apart
        names = {m: spellings[m][level[m]] for m in models}
        clash = [m for m in models if list(names.values()).count(names[m]) > 1 and level[m] < 3]
        if not clash:
            break
        for m in clash:
            level[m] += 1
    if not plan and not fix:
        return names[build] + (f"+{_count(repair)}" if repair else "")
    parts = [f"{names[plan]} plans"] if plan else []
    parts.append(f"{names[build]} builds")
    if fix:
        parts.append(f"{names[fix]} fixes")
    return ", ".join(parts) + (f"+{_count(repair)}" if repair else "")


class RecipeError(UsageError):
    """A recipe that cannot run; `why` says what is wrong with it in a few words (the form shows that alone)."""

    def __init__(self, spec: str, why: str) -> None:
        super().__init__(f"--recipe '{spec}': {why}. Write it like --recipe '{EXAMPLE}' (keys: {', '.join(KEYS)}).")
        self.why = why


def _refuse(spec: str, why: str) -> RecipeError:
    return RecipeError(spec, why)


def _looks_like_model(name: str) -> bool:
    """Whether a name reads as `provider:model` for a provider this install knows."""
    provider, sep, model = name.partition(":")
    return bool(sep and model.strip()) and provider.strip().lower() in provider_names()


def parse_recipe(spec: str, *, check_keys: bool = True) -> Recipe:
    """A recipe from its spelling, refused (UsageError, saying what to write) when malformed.

    With `check_keys`, each model is checked like --model (known provider, key set) before anything is paid.
    """
    text = (spec or "").strip()
    if not text:
        raise _refuse(spec, "the recipe is empty")
    values: dict[str, str] = {}
    for part in _SPLIT.split(text):
        key, sep, value = part.partition("=")
        key, value = key.strip().lower(), value.strip()
        if not sep or key not in KEYS:
            raise _refuse(spec, f"'{part.strip()}' is not KEY=VALUE with a known key")
        if key in values:
            raise _refuse(spec, f"{key}= is given twice")
        if not value:
            raise _refuse(spec, f"{key}= has no value")
        values[key] = value
    if "build" not in values:
        raise _refuse(spec, "build=MODEL is required (the model that writes the page)")
    try:
        repair = int(values.get("repair", "0"))
    except ValueError:
        raise _refuse(spec, f"repair= takes a number from 0 to {MAX_REPAIR}") from None
    if not 0 <= repair <= MAX_REPAIR:
        raise _refuse(spec, f"repair= takes a number from 0 to {MAX_REPAIR} (got {repair})")
    models: dict[str, str] = {}
    for key in ("plan", "build", "fix"):
        if key in values:
            try:
                models[key] = "{}:{}".format(*parse_model_id(values[key]))
            except UsageError as exc:
                raise _refuse(spec, f"{key}= {exc}".rstrip(".")) from None
    if "fix" in models and not repair:
        raise _refuse(spec, "fix=MODEL needs repair=N (1-5): without repair rounds the fixer never gets a turn")
    name = " ".join(values.get("name", "").split())
    if len(name) > MAX_NAME:
        raise _refuse(spec, f"name= is {len(name)} characters; keep it under {MAX_NAME}")
    recipe = Recipe(
        build=models["build"], plan=models.get("plan"), fix=models.get("fix"), repair=repair,
        name=name or default_name(models["build"], models.get("plan"), models.get("fix"), repair),
    )  # fmt: skip
    if check_keys:
        for model_id in recipe.model_ids:
            ensure_ready(model_id)
    return recipe


def told_apart(recipes: list[Recipe]) -> list[Recipe]:
    """Different recipes under one default name (Gemini 3 Flash and 2.5 Flash are both `flash`) get longer ones."""
    kinds: dict[str, set[str]] = {}
    for recipe in recipes:
        kinds.setdefault(recipe.name, set()).add(recipe.spec)
    out = []
    for r in recipes:
        if len(kinds[r.name]) > 1 and r.name == default_name(r.build, r.plan, r.fix, r.repair):
            r = replace(r, name=default_name(r.build, r.plan, r.fix, r.repair, longer=True))
        out.append(r)
    return out


def parse_recipes(specs: Iterable[str], model_ids: Sequence[str] = (), *, check_keys: bool = True) -> list[Recipe]:
    """Every recipe of a comparison, refused when two different contestants would share one name.

    The same recipe given twice (a repeat) is two samples of one contestant, as a model given twice is.
    """
    recipes = told_apart([parse_recipe(spec, check_keys=check_keys) for spec in specs])
    by_name: dict[str, set[str]] = {}
    for recipe in recipes:
        by_name.setdefault(recipe.name, set()).add(recipe.spec)
    clashes = [name for name, kinds in by_name.items() if len(kinds) > 1]
    if clashes:
        raise UsageError(
            f"Two different recipes are both named '{clashes[0]}': give one of them its own name "
            f"({_NAME_HOW})."
        )
    models = {m.strip() for m in model_ids}
    taken = [r.name for r in recipes if r.name in models]
    if taken:
        raise UsageError(
            f"A recipe is named '{taken[0]}' like a model of the comparison: give it another name ({_NAME_HOW})."
        )
    spelled = [r for r in recipes if _looks_like_model(r.name)]  # pages group by name: it would pool with that model
    if spelled:
        raise UsageError(
            f"A recipe is named '{spelled[0].name}', spelled like a model id; give the recipe a name of its own "
            f"({_NAME_HOW})."
        )
    return recipes


def repeat_recipes(specs: Sequence[str], repeat: int) -> list[str]:
    """Each recipe `repeat` times, samples side by side (as --repeat does with models)."""
    return [spec for spec in specs for _ in range(repeat)]


def stored_recipes(specs: Iterable[str]) -> dict[str, Recipe]:
    """Stored recipes by name (a spelling this version cannot read is left out)."""
    found: dict[str, Recipe] = {}
    for spec in specs:
        try:
            recipe = parse_recipe(spec, check_keys=False)
        except UsageError:
            continue
        found[recipe.name] = recipe
    return found


def recipe_repairs(specs: Iterable[str]) -> dict[str, int]:
    """Stored recipes' repair rounds by name (a spelling this version cannot read is left out)."""
    return {name: recipe.repair for name, recipe in stored_recipes(specs).items()}


def distinct(recipes: Sequence[Recipe]) -> list[Recipe]:
    """Each recipe once, in order (repeats dropped), for summaries."""
    return list({recipe.spec: recipe for recipe in recipes}.values())  # equal specs, equal recipes
