"""A tiny HTTPS OpenAI-compatible SSE endpoint for the TLS end-to-end test.
Usage: tls_mock.py CERT KEY  -> prints its port, serves until killed. Test-only."""
import http.server, ssl, sys, json
class H(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    def do_POST(self):
        self.rfile.read(int(self.headers.get("Content-Length", 0)))
        body = "".join("data: " + json.dumps({"choices":[{"delta":{"content":t},"finish_reason":None}]}) + "\n\n" for t in ["secure", " hello"])
        body += "data: " + json.dumps({"choices":[{"delta":{},"finish_reason":"stop"}]}) + "\n\ndata: [DONE]\n\n"
        b = body.encode()
        self.send_response(200); self.send_header("Content-Type","text/event-stream"); self.send_header("Content-Length", str(len(b))); self.end_headers(); self.wfile.write(b)
    def log_message(self, *a): pass
srv = http.server.HTTPServer(("127.0.0.1", 0), H)
ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER); ctx.load_cert_chain(sys.argv[1], sys.argv[2])
srv.socket = ctx.wrap_socket(srv.socket, server_side=True)
print(srv.server_address[1], flush=True); srv.serve_forever()
