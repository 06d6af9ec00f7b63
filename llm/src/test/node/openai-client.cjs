// Drives `kernelj serve` with the official `openai` npm client (installed by NodeOpenAiClientTest)
// and prints what it got as one JSON object; the Java test compares it with the engine's answers.
// Env: BASE_URL (http://host:port/v1), API_KEY, MODEL.
const OpenAI = require('openai');

async function main() {
  const client = new OpenAI({ baseURL: process.env.BASE_URL, apiKey: process.env.API_KEY, maxRetries: 0 });
  const model = process.env.MODEL;
  const messages = [{ role: 'system', content: 'be brief' }, { role: 'user', content: 'hello from node' }];
  const out = {};

  const chat = await client.chat.completions.create({ model, messages, max_tokens: 10, temperature: 0 });
  out.chat = { text: chat.choices[0].message.content, finish: chat.choices[0].finish_reason, usage: chat.usage };

  const stream = await client.chat.completions.create({
    model, messages, max_tokens: 10, temperature: 0, stream: true, stream_options: { include_usage: true },
  });
  let streamed = '';
  let streamUsage = null;
  for await (const chunk of stream) {
    for (const choice of chunk.choices) streamed += choice.delta.content || '';
    if (chunk.usage) streamUsage = chunk.usage;
  }
  out.chatStream = { text: streamed, usage: streamUsage };

  const ids = await client.completions.create({ model, prompt: [256, 72, 105], max_tokens: 6, temperature: 0 });
  out.tokenIds = { text: ids.choices[0].text, usage: ids.usage };

  const echo = await client.completions.create({
    model, prompt: 'echo this', max_tokens: 4, temperature: 0, echo: true, logprobs: 1,
  });
  out.echo = { text: echo.choices[0].text, tokens: echo.choices[0].logprobs.tokens.length };

  let completionStream = '';
  for await (const chunk of await client.completions.create({
    model, prompt: 'echo this', max_tokens: 4, temperature: 0, stream: true,
  })) {
    completionStream += chunk.choices.map((c) => c.text).join('');
  }
  out.completionStream = completionStream;

  const models = [];
  for await (const m of client.models.list()) models.push(m.id);
  out.models = models;

  try {
    await client.chat.completions.create({ model, messages, temperature: -1 });
    out.error = null;
  } catch (e) {
    out.error = { status: e.status, type: e.constructor.name, message: e.message };
  }
  process.stdout.write(JSON.stringify(out));
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
