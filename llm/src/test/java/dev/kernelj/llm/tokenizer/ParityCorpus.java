package dev.kernelj.llm.tokenizer;

import java.util.ArrayList;
import java.util.List;
import java.util.Random;

/**
 * The strings the parity tests encode with both tokenizers: hand-written edge cases plus thousands
 * of strings generated deterministically (fixed seed) by mixing fragments of many scripts, emoji,
 * code, numbers, whitespace runs and special-token text.
 */
final class ParityCorpus {

  private ParityCorpus() {}

  /** Edge cases chosen to hit each rule of the pre-tokenizer regexes and the added-token split. */
  static final List<String> EDGE_CASES =
      List.of(
          "",
          " ",
          "  ",
          "\t",
          "\n",
          "\r\n",
          " \n",
          "\n\n\n",
          "   leading",
          "trailing   ",
          "a  b   c    d",
          "Hello world!",
          "hello, World. HELLO?",
          "grabbed",
          " grabbed",
          "           grabbed",
          "\ttabs\t\t\t\tout here",
          "ax\n####\nboo",
          "镇",
          "🦙",
          "🦙Ꙋ",
          "Ꙋ🦙",
          "don't I'll we've they're she'd it's I'M YOU'LL WE'D 'S 'T",
          "'s'S'ſ'",
          "l'amour aujourd'hui",
          "123",
          "1234567890",
          "3.14159265358979",
          "1,000,000.00",
          "٣٤٥ ١٢",
          "१२३४",
          "Ⅻ ⅷ ½ ²³",
          "<|begin_of_text|>Hello<|end_of_text|>",
          "<|start_header_id|>user<|end_header_id|>\n\nHi<|eot_id|>",
          "<|begin_of_text|",
          "<|begin_of_text|><|begin_of_text|>",
          "x<|eot_id|>y",
          "<s>",
          "</s>",
          "<s>Hello</s>",
          "Hello</s>world",
          "<unk>",
          "< s >",
          "<s><s></s>",
          "<|im_start|>system\nYou are Qwen.<|im_end|>\n",
          "<|im_start|>user\nhi<|im_end|>",
          "<think>\nhmm\n</think>\n\nanswer",
          "<tool_call>{}</tool_call>",
          "<|endoftext|>",
          "<|fim_prefix|>def f():<|fim_suffix|>\n<|fim_middle|>",
          "<|im_start|",
          "<|im_start|>",
          "👨‍👩‍👧‍👦",
          "🏳️‍🌈",
          "👍🏽👍🏿",
          "🇯🇵🇫🇷🇺🇸",
          "❤️‍🔥",
          "🧑🏻‍💻 coding",
          "e\u0301 é",
          "\u1100\u1161\u11a8 각",
          "Ａｂｃ１２３",
          "ﬁ ﬂ ﬀ",
          "İstanbul ıi",
          "straße STRASSE",
          "ǅ ǈ ǋ",
          "ΑΒΓ αβγ ς",
          "日本語のテキストです。",
          "中文文本，包括标点符号！",
          "한국어 텍스트입니다",
          "ภาษาไทย",
          "مرحبا بالعالم",
          "שלום עולם",
          "नमस्ते दुनिया",
          "Привет, мир!",
          "Γειά σου Κόσμε",
          "\u00a0nbsp\u00a0",
          "\u3000ideographic\u3000space",
          "line\u2028sep\u2029para",
          "\u0085next",
          "\u200bzero\u200dwidth",
          "\u000bvt\u000cff",
          "a\u0000b",
          "\u007f\u0080\u009f",
          "public static void main(String[] args) {\n    System.out.println(\"hi\");\n}\n",
          "def f(x):\n\treturn x ** 2  # square\n",
          "{\"key\": [1, 2.5, null, true], \"k2\": {}}",
          "<html><body class=\"x\">&amp;&lt;</body></html>",
          "https://example.com/path?q=1&r=%20#frag",
          "user@example.org",
          "#!/bin/bash\nfor i in $(seq 1 10); do echo $i; done",
          "SELECT * FROM t WHERE a >= 10 AND b <> 'x';",
          "x+=1;y-=2;z*=3;w/=4",
          "((((()))))",
          "!!!???...",
          "------",
          "======",
          "____",
          "____init____",
          "    \n    \n",
          "\n \n \n",
          " \t \t ",
          "\r\r\n\n",
          "a\u00adb",
          "\ud835\udd04\ud835\udd05",
          "𝕳𝖊𝖑𝖑𝖔",
          "😀😃😄😁😆😅😂🤣",
          "🙂‍↔️",
          "☺️☹️",
          "✔️✅",
          "©®™",
          "a".repeat(300),
          " ".repeat(100),
          "ab".repeat(200),
          "\n".repeat(50),
          "9".repeat(40),
          "🦙".repeat(30));

  private static final String[] WORDS = {
    "the",
    "quick",
    "brown",
    "fox",
    "jumps",
    "over",
    "lazy",
    "dog",
    "Transformer",
    "tokenization",
    "internationalization",
    "antidisestablishmentarianism",
    "GPU",
    "CUDA",
    "kernel",
    "Java",
    "HTTP",
    "don't",
    "can't",
    "it's",
    "We'll",
    "THEY'RE",
    "o'clock",
    "naïve",
    "café",
    "résumé",
    "Zürich",
    "São",
    "Paulo",
    "Kraków",
    "Ærø",
    "Ørsted",
    "Đorđe",
    "straße",
    "ñandú",
    "İzmir",
    "東京",
    "大阪",
    "北京",
    "上海",
    "机器学习",
    "人工智能",
    "ひらがな",
    "カタカナ",
    "漢字",
    "서울",
    "부산",
    "القاهرة",
    "الرياض",
    "नई",
    "दिल्ली",
    "मुंबई",
    "Москва",
    "Київ",
    "Αθήνα",
    "ירושלים",
    "ไทย",
    "ქართული",
    "Ελληνικά",
    "Հայերեն",
    "বাংলা",
    "தமிழ்",
    "తెలుగు",
    "ಕನ್ನಡ",
    "മലയാളം",
    "ગુજરાતી",
    "ਪੰਜਾਬੀ",
    "සිංහල",
    "မြန်မာ",
    "ខ្មែរ",
    "ລາວ",
    "བོད",
    "አማርኛ",
    "Tiếng",
    "Việt",
    "Türkçe",
    "Polski",
    "Čeština",
  };

  private static final String[] SYMBOLS = {
    "😀",
    "🦙",
    "🚀",
    "👍🏽",
    "👨‍👩‍👧",
    "🏳️‍🌈",
    "🇩🇪",
    "❤️",
    "✨",
    "🔥",
    "💯",
    "™",
    "©",
    "°",
    "±",
    "×",
    "÷",
    "→",
    "⇒",
    "∀",
    "∃",
    "∑",
    "∫",
    "√",
    "∞",
    "≠",
    "≤",
    "≥",
    "€",
    "£",
    "¥",
    "₹",
    "₿",
    "§",
    "¶",
    "†",
    "•",
    "…",
    "«",
    "»",
    "“",
    "”",
    "‘",
    "’",
    "„",
    "‹",
    "›",
    "¿",
    "¡",
    "—",
    "–",
    "·",
    "¤",
    "\u00ad",
    "\u200b",
    "\u2060",
  };

  private static final String[] CODE = {
    "if (x != null) {",
    "}",
    "return a[i] + b[j];",
    "for (int i = 0; i < n; i++)",
    "x => x * 2",
    "let mut v = Vec::new();",
    "fn main() -> Result<()>",
    "#include <stdio.h>",
    "printf(\"%d\\n\", n);",
    "__global__ void k(float* out)",
    "std::vector<int>",
    "import numpy as np",
    "np.array([1, 2, 3])",
    "SELECT id, name FROM users;",
    "<div class='a'>",
    "</div>",
    "$ git commit -m 'msg'",
    "0x7fffffff",
    "0b1010",
    "1e-9",
    "-42",
    "+3.5",
    "a_b_c",
    "camelCaseName",
    "SCREAMING_CASE",
    "kebab-case-name",
    "path/to/file.txt",
    "C:\\Windows\\System32",
    "~/.cache",
    "@Override",
    "// comment",
    "/* block */",
    "''",
    "\"\"",
    "``",
    "'''",
    "\"\"\"",
    "\\n",
    "\\t",
    "%s",
    "{}",
    "[]",
    "()",
    "<>",
    "&&",
    "||",
    "::",
  };

  private static final String[] SPECIAL_TEXT = {
    "<|begin_of_text|>",
    "<|end_of_text|>",
    "<|eot_id|>",
    "<|start_header_id|>",
    "<|end_header_id|>",
    "<|reserved_special_token_5|>",
    "<|im_start|>",
    "<|im_end|>",
    "<|endoftext|>",
    "<think>",
    "</think>",
    "<tool_call>",
    "</tool_call>",
    "<s>",
    "</s>",
    "<unk>",
    "<|fim_middle|>",
    "<|im_",
    "</s",
    "<|eot",
  };

  private static final String[] SEPARATORS = {
    " ", " ", " ", " ", "", "", "\n", "\n\n", "\t", "  ", "   ", "\r\n", " \n", "\n ", ", ", ". ",
    "\u00a0", "\u3000",
  };

  /** Hand-written edge cases followed by {@code generated} deterministic random strings. */
  static List<String> strings(int generated) {
    List<String> all = new ArrayList<>(EDGE_CASES);
    Random random = new Random(20240607L);
    for (int i = 0; i < generated; i++) {
      all.add(randomString(random, i % 97 == 0 ? 400 : 1 + random.nextInt(24)));
    }
    return all;
  }

  private static String randomString(Random r, int fragments) {
    StringBuilder sb = new StringBuilder();
    for (int f = 0; f < fragments; f++) {
      int kind = r.nextInt(100);
      if (kind < 45) {
        String w = WORDS[r.nextInt(WORDS.length)];
        sb.append(
            switch (r.nextInt(6)) {
              case 0 -> w.toUpperCase(java.util.Locale.ROOT);
              case 1 -> Character.toUpperCase(w.charAt(0)) + w.substring(1);
              default -> w;
            });
      } else if (kind < 55) {
        sb.append(SYMBOLS[r.nextInt(SYMBOLS.length)]);
      } else if (kind < 67) {
        sb.append(CODE[r.nextInt(CODE.length)]);
      } else if (kind < 75) {
        int digits = 1 + r.nextInt(r.nextBoolean() ? 4 : 12);
        for (int d = 0; d < digits; d++) sb.append((char) ('0' + r.nextInt(10)));
      } else if (kind < 80) {
        sb.append(SPECIAL_TEXT[r.nextInt(SPECIAL_TEXT.length)]);
      } else if (kind < 86) {
        sb.append(" ".repeat(1 + r.nextInt(8)));
      } else if (kind < 90) {
        sb.append(randomCodePoints(r, 1 + r.nextInt(4)));
      } else if (kind < 94) {
        sb.append("'")
            .append(
                new String[] {"s", "t", "re", "ve", "m", "ll", "d", "S", "LL", "D"}[r.nextInt(10)]);
      } else {
        sb.append(r.nextBoolean() ? "\n" : "\t").append(r.nextBoolean() ? " " : "");
      }
      sb.append(SEPARATORS[r.nextInt(SEPARATORS.length)]);
    }
    return sb.toString();
  }

  /** Random assigned, non-surrogate code points from ranges both Java 17 and HF agree on. */
  private static String randomCodePoints(Random r, int count) {
    int[][] ranges = {
      {0x20, 0x7E},
      {0xA0, 0x24F},
      {0x370, 0x3FF},
      {0x400, 0x4FF},
      {0x590, 0x5FF},
      {0x600, 0x6FF},
      {0x900, 0x97F},
      {0xE00, 0xE7F},
      {0x3040, 0x30FF},
      {0x4E00, 0x9FA5},
      {0xAC00, 0xD7A3},
      {0x1F300, 0x1F5FF},
      {0x1F600, 0x1F64F},
      {0x2000, 0x206F},
      {0x2190, 0x22FF},
      {0xFF00, 0xFFEF},
    };
    StringBuilder sb = new StringBuilder();
    while (count > 0) {
      int[] range = ranges[r.nextInt(ranges.length)];
      int cp = range[0] + r.nextInt(range[1] - range[0] + 1);
      if (Character.isDefined(cp)
          && !Character.isSurrogate((char) cp)
          && Character.getType(cp) != Character.PRIVATE_USE) {
        sb.appendCodePoint(cp);
        count--;
      }
    }
    return sb.toString();
  }
}
