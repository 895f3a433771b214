import { beforeAll, describe, expect, it } from "vitest";
import { replyAddress } from "../../src/channels/index.ts";
import { call, json, postMessage, waitUntil } from "../support/api.ts";
import { createInbox, deliverEmail, emailThread, mime } from "../support/email.ts";
import { createTeam, type Team } from "../support/fixture.ts";

let team: Team;
let inbox: string;
const TOKEN_SECRET = "test-only-token-secret-0123456789abcdef";

function customer(): string {
  return `li.wei.${crypto.randomUUID().slice(0, 8)}@customer.test`;
}

beforeAll(async () => {
  team = await createTeam();
  inbox = await createInbox(team.admin);
});

async function channelStatus(conversationId: string) {
  return json(await call(`/api/conversations/${conversationId}/channel`, { token: team.agent }), 200);
}

describe("inbound email", () => {
  it("starts a conversation with the subject and body, as the sender's contact", async () => {
    const from = customer();
    const first = mime({ from, to: inbox, subject: "Order #1042 arrived damaged", text: "The box was crushed.\r\nCan you send a new one?" });
    expect((await deliverEmail(from, inbox, first.raw)).rejected).toBeNull();
    const { contact, conversations, messages } = await emailThread(team.agent, from);
    expect(contact.name).toBe("Li Wei");
    expect(conversations[0].channel).toBe("email");
    expect(messages[0].content.text).toBe("Order #1042 arrived damaged\n\nThe box was crushed.\nCan you send a new one?");
  });

  it("keeps a thread of three emails in one conversation", async () => {
    const from = customer();
    const one = mime({ from, to: inbox, subject: "Refund", text: "I would like a refund." });
    await deliverEmail(from, inbox, one.raw);
    const two = mime({ from, to: inbox, subject: "Re: Refund", text: "Any news?\r\n\r\nOn Wed, Support wrote:\r\n> I would like a refund.", inReplyTo: one.messageId, references: [one.messageId] });
    await deliverEmail(from, inbox, two.raw);
    const three = mime({ from, to: inbox, subject: "Re: Refund", text: "Hello again?", inReplyTo: two.messageId, references: [one.messageId, two.messageId] });
    await deliverEmail(from, inbox, three.raw);
    const { conversations, messages } = await emailThread(team.agent, from, 3);
    expect(conversations).toHaveLength(1);
    expect(messages.map((m) => m.content.text)).toEqual(["Refund\n\nI would like a refund.", "Any news?", "Hello again?"]);
  });

  it("threads by References alone when In-Reply-To is missing", async () => {
    const from = customer();
    const one = mime({ from, to: inbox, subject: "Invoice", text: "Where is my invoice?" });
    await deliverEmail(from, inbox, one.raw);
    await deliverEmail(from, inbox, mime({ from, to: inbox, subject: "Re: Invoice", text: "Still missing.", references: [one.messageId] }).raw);
    const { conversations } = await emailThread(team.agent, from, 2);
    expect(conversations).toHaveLength(1);
  });

  it("starts a new conversation for a new email without threading headers", async () => {
    const from = customer();
    await deliverEmail(from, inbox, mime({ from, to: inbox, subject: "First topic", text: "a" }).raw);
    await deliverEmail(from, inbox, mime({ from, to: inbox, subject: "Second topic", text: "b" }).raw);
    const { conversations } = await emailThread(team.agent, from, 2);
    expect(conversations).toHaveLength(2);
  });

  it("finds the conversation by the reply token in the address when the headers are gone", async () => {
    const from = customer();
    const one = mime({ from, to: inbox, subject: "Warranty", text: "Is it covered?" });
    await deliverEmail(from, inbox, one.raw);
    const { conversations } = await emailThread(team.agent, from);
    const tokenAddress = await replyAddress(inbox, conversations[0].id, TOKEN_SECRET);
    await deliverEmail(from, tokenAddress, mime({ from, to: tokenAddress, subject: "Warranty", text: "Forgot the serial: 123" }).raw);
    const after = await emailThread(team.agent, from, 2);
    expect(after.conversations).toHaveLength(1);
  });

  it("ignores a forged reply token and starts a new conversation", async () => {
    const from = customer();
    await deliverEmail(from, inbox, mime({ from, to: inbox, subject: "Mine", text: "x" }).raw);
    const { conversations } = await emailThread(team.agent, from);
    const [local, domain] = inbox.split("@");
    const forged = `${local}+${conversations[0].id}.0000000000@${domain}`;
    const stranger = customer();
    await deliverEmail(stranger, forged, mime({ from: stranger, to: forged, subject: "Intrusion", text: "let me in" }).raw);
    const theirs = await emailThread(team.agent, stranger);
    expect(theirs.conversations[0].id).not.toBe(conversations[0].id);
  });

  it("turns a re-delivered email into exactly one message", async () => {
    const from = customer();
    const email = mime({ from, to: inbox, subject: "Twice", text: "sent once, delivered twice" });
    await deliverEmail(from, inbox, email.raw);
    await deliverEmail(from, inbox, email.raw);
    await deliverEmail(from, inbox, mime({ from, to: inbox, subject: "Re: Twice", text: "next", inReplyTo: email.messageId }).raw);
    const { messages } = await emailThread(team.agent, from, 2);
    expect(messages.filter((m) => m.sender.role === "visitor").map((m) => m.content.text)).toEqual(["Twice\n\nsent once, delivered twice", "next"]);
  });

  it("shows an HTML-only email as sanitised text, without scripts or markup", async () => {
    const from = customer();
    const html = '<html><head><style>p{color:red}</style></head><body><p>Hello <b>team</b>,</p><script>alert("x")</script><p>see <a href="https://shop.test/o/1">my order</a></p></body></html>';
    await deliverEmail(from, inbox, mime({ from, to: inbox, subject: "HTML", html }).raw);
    const { messages } = await emailThread(team.agent, from);
    expect(messages[0].content.text).toBe("HTML\n\nHello team,\nsee my order [https://shop.test/o/1]");
  });

  it("refuses mail for a support inbox that was removed", async () => {
    const removed = await createInbox(team.admin);
    expect((await call(`/api/admin/channels/email/${encodeURIComponent(removed)}`, { method: "DELETE", token: team.admin })).status).toBe(204);
    const { items } = await json(await call("/api/admin/channels/email", { token: team.admin }), 200);
    expect(items.map((i: { address: string }) => i.address)).not.toContain(removed);
    const outcome = await deliverEmail(customer(), removed, mime({ from: "a@b.test", to: removed, subject: "?", text: "?" }).raw);
    expect(outcome.rejected).toMatch(/no support inbox/);
  });

  it("refuses mail for an address that is no support inbox", async () => {
    const outcome = await deliverEmail(customer(), "nobody@help.shop.test", mime({ from: "a@b.test", to: "nobody@help.shop.test", subject: "?", text: "?" }).raw);
    expect(outcome.rejected).toMatch(/no support inbox/);
  });
});

describe("automatic email", () => {
  it("does not route an out-of-office reply to agents", async () => {
    const from = customer();
    await deliverEmail(from, inbox, mime({ from, to: inbox, subject: "Out of office", text: "I am away", headers: { "Auto-Submitted": "auto-replied" } }).raw);
    await deliverEmail(from, inbox, mime({ from, to: inbox, subject: "Vacation", text: "Away too", headers: { "X-Autoreply": "yes" } }).raw);
    const res = await call(`/api/contacts?kind=email&value=${encodeURIComponent(from)}`, { token: team.agent });
    expect(res.status).toBe(404);
  });

  it("does not route a bounce from MAILER-DAEMON", async () => {
    const daemon = `MAILER-DAEMON@${crypto.randomUUID().slice(0, 6)}.mx.test`;
    await deliverEmail(daemon, inbox, mime({ from: daemon, to: inbox, subject: "Undelivered Mail Returned to Sender", text: "550 no such user", headers: { Precedence: "junk" } }).raw);
    const res = await call(`/api/contacts?kind=email&value=${encodeURIComponent(daemon)}`, { token: team.agent });
    expect(res.status).toBe(404);
  });

  it("notes an auto-reply in its thread's conversation for staff only", async () => {
    const from = customer();
    const one = mime({ from, to: inbox, subject: "Question", text: "How?" });
    await deliverEmail(from, inbox, one.raw);
    await deliverEmail(from, inbox, mime({ from, to: inbox, subject: "Auto: Question", text: "I am away until Monday", inReplyTo: one.messageId, headers: { "Auto-Submitted": "auto-replied" } }).raw);
    const { messages } = await waitUntil("the note", async () => {
      const thread = await emailThread(team.agent, from);
      return thread.messages.some((m) => m.visibility === "internal") && thread;
    });
    expect(messages.filter((m) => m.sender.role === "visitor")).toHaveLength(1);
    expect(messages.find((m) => m.visibility === "internal").content.text).toMatch(/Automatic email .*Auto-Submitted: auto-replied/);
  });
});

describe("email replies", () => {
  it("sends an agent's reply through the send_email binding and threads the customer's answer to it", async () => {
    const from = customer();
    const one = mime({ from, to: inbox, subject: "Sizes", text: "Do you have XL?" });
    await deliverEmail(from, inbox, one.raw);
    const { conversations } = await emailThread(team.agent, from);
    const conversationId = conversations[0].id;
    await json(await postMessage(conversationId, team.agent, "r1", "Yes, XL is in stock."), 201);
    const status = await waitUntil("the reply sent", async () => {
      const s = await channelStatus(conversationId);
      return s.deliveries[0]?.status === "sent" && s;
    });
    const replyId = status.deliveries[0].external_id;
    expect(replyId).toMatch(/@/);
    // The customer answers the agent's email: its In-Reply-To is the Message-ID the binding assigned.
    await deliverEmail(from, inbox, mime({ from, to: inbox, subject: "Re: Sizes", text: "Great, ordering now.", inReplyTo: replyId.startsWith("<") ? replyId : `<${replyId}>` }).raw);
    const after = await emailThread(team.agent, from, 2);
    expect(after.conversations).toHaveLength(1);
  });
});
