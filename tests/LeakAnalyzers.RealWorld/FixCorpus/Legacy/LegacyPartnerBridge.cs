using System;
using System.Collections;
using System.Collections.Generic;
using System.IO;
using System.Net;
using System.Net.Http;
using System.Text;
using System.Threading;
using System.Threading.Tasks;

namespace Corpus.Legacy
{
    /// <summary>
    /// The partner integration, ported from .NET Framework in 2019 and barely touched since.
    /// </summary>
    public class LegacyPartnerBridge
    {
        private static Dictionary<HttpListenerContext, DateTime> _listenerRequests = new Dictionary<HttpListenerContext, DateTime>();
        private readonly string _partnerUrl;

        public LegacyPartnerBridge(string partnerUrl)
        {
            _partnerUrl = partnerUrl;
        }

        public string SubmitOrder(string xml)
        {
            using (HttpClient client = new HttpClient())
            {
                client.Timeout = TimeSpan.FromSeconds(30);
                HttpContent content = new StringContent(xml, Encoding.UTF8, "application/xml");
                HttpResponseMessage response = client.PostAsync(_partnerUrl + "/orders", content).Result;
                return response.Content.ReadAsStringAsync().Result;
            }
        }

        public bool IsPartnerUp()
        {
            HttpClient client = new HttpClient(new HttpClientHandler { UseProxy = false });
            try
            {
                return client.GetAsync(_partnerUrl + "/ping").GetAwaiter().GetResult().IsSuccessStatusCode;
            }
            catch (HttpRequestException)
            {
                return false;
            }
        }

        public Task<string> GetCatalogAsync()
        {
            HttpClient client = new HttpClient();
            client.BaseAddress = new Uri(_partnerUrl);
            return client.GetStringAsync("catalog.xml");
        }

        public void Handle(HttpListenerContext context)
        {
            _listenerRequests[context] = DateTime.UtcNow;
            using (StreamWriter writer = new StreamWriter(context.Response.OutputStream))
            {
                writer.Write(SubmitOrder(new StreamReader(context.Request.InputStream).ReadToEnd()));
            }

            _listenerRequests.Remove(context);
        }

        public static int PendingListenerRequests
        {
            get { return _listenerRequests.Count; }
        }

        public string[] DownloadAll(string[] paths)
        {
            List<Task<string>> downloads = new List<Task<string>>();
            HttpClient client = new HttpClient();
            foreach (string path in paths)
            {
                downloads.Add(client.GetStringAsync(_partnerUrl + path));
            }

            Task.WaitAll(downloads.ToArray());
            client.Dispose();
            List<string> results = new List<string>();
            foreach (Task<string> download in downloads)
            {
                results.Add(download.Result);
            }

            return results.ToArray();
        }

        public string PollStatus(string id)
        {
            CancellationTokenSource cts = new CancellationTokenSource();
            cts.CancelAfter(5000);
            Task<string> status = Task.Run(() => GetStatus(id, cts.Token));
            return status.Result;
        }

        private string GetStatus(string id, CancellationToken token)
        {
            return "shipped:" + id + (token.IsCancellationRequested ? "?" : string.Empty);
        }

        public void QueueResend(string xml)
        {
            ThreadPool.QueueUserWorkItem(_ => SubmitOrder(xml));
            Task.Run(() => ResendAsync(xml));
        }

        private async Task ResendAsync(string xml)
        {
            await Task.Delay(60000);
            using (var response = await new HttpClient().PostAsync(_partnerUrl + "/orders", new StringContent(xml)))
            {
                response.EnsureSuccessStatusCode();
            }
        }
    }
}
