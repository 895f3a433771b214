import { describe, expect, it } from "vitest";
import { parseWechatXml, wechatCustomMessage } from "../../src/channels/index.ts";

describe("parseWechatXml", () => {
  it("reads CDATA and plain fields of a WeChat push", () => {
    const xml = `<xml><ToUserName><![CDATA[toUser]]></ToUserName>
<FromUserName><![CDATA[fromUser]]></FromUserName>
<CreateTime>1348831860</CreateTime>
<MsgType><![CDATA[text]]></MsgType>
<Content><![CDATA[this is a test <b>]]></Content>
<MsgId>1234567890123456</MsgId>
</xml>`;
    expect(parseWechatXml(xml)).toEqual({
      ToUserName: "toUser",
      FromUserName: "fromUser",
      CreateTime: "1348831860",
      MsgType: "text",
      Content: "this is a test <b>",
      MsgId: "1234567890123456",
    });
  });

  it("decodes entities outside CDATA", () => {
    expect(parseWechatXml("<xml><Content>a &lt;b&gt; &amp; &#20320;</Content></xml>").Content).toBe("a <b> & 你");
  });

  it("keeps a nested element's inner XML instead of dropping it", () => {
    const fields = parseWechatXml("<xml><Event>scancode_push</Event><ScanCodeInfo><ScanType>qrcode</ScanType></ScanCodeInfo></xml>");
    expect(fields.ScanCodeInfo).toBe("<ScanType>qrcode</ScanType>");
  });

  it("refuses XML without the <xml> root", () => {
    expect(() => parseWechatXml("<root><a>1</a></root>")).toThrow(/no <xml> root/);
  });

  it("refuses an unclosed element", () => {
    expect(() => parseWechatXml("<xml><Content>open</xml>")).toThrow(/not closed/);
  });
});

describe("wechatCustomMessage", () => {
  const card = { kind: "card" as const, title: "Order 1042", text: "Shipped", url: "https://shop.test/o/1042" };

  it("sends a linked card to an official account as a news article", () => {
    expect(wechatCustomMessage("o1", card, "official_account")).toEqual({
      touser: "o1",
      msgtype: "news",
      news: { articles: [{ title: "Order 1042", description: "Shipped", url: "https://shop.test/o/1042" }] },
    });
  });

  it("sends a linked card to a mini-program as a link, which mini-programs support", () => {
    expect(wechatCustomMessage("o1", card, "mini_program")).toMatchObject({ msgtype: "link", link: { title: "Order 1042", url: "https://shop.test/o/1042" } });
  });
});
