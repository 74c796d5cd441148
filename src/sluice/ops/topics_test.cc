#include "sluice/ops/topics.h"

#include <arpa/inet.h>
#include <boost/json/parse.hpp>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <fstream>
#include <sstream>
#include <thread>

#include "sluice/catalog/sqlite_catalog.h"
#include "sluice/common/test_temp_dir.h"
#include "sluice/ops/http_post_internal.h"

namespace sluice::ops {
namespace {

namespace json = boost::json;
using SteadyClock = std::chrono::steady_clock;

// A loopback HTTP server answering each request with the next status of a script (the
// last one repeats), recording what it received and when.
class TestHttpServer {
 public:
  explicit TestHttpServer(std::vector<int> statuses) : statuses_(std::move(statuses)) {
    fd_ = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    SLUICE_CHECK(bind(fd_, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0);
    socklen_t len = sizeof addr;
    getsockname(fd_, reinterpret_cast<sockaddr*>(&addr), &len);
    port_ = ntohs(addr.sin_port);
    SLUICE_CHECK(listen(fd_, 16) == 0);
    thread_ = std::thread([this] { Serve(); });
  }
  ~TestHttpServer() {
    stop_ = true;
    shutdown(fd_, SHUT_RDWR);
    close(fd_);
    thread_.join();
  }

  std::string url(std::string_view path = "/hook") const {
    return "http://127.0.0.1:" + std::to_string(port_) + std::string(path);
  }
  struct Request {
    SteadyClock::time_point at;
    std::string head, body;
  };
  std::vector<Request> requests() {
    std::lock_guard<std::mutex> lock(mu_);
    return requests_;
  }

 private:
  void Serve() {
    while (!stop_) {
      int c = accept(fd_, nullptr, nullptr);
      if (c < 0) return;
      std::string data;
      char buf[4096];
      size_t need = std::string::npos;
      while (need == std::string::npos || data.size() < need) {
        ssize_t n = recv(c, buf, sizeof buf, 0);
        if (n <= 0) break;
        data.append(buf, static_cast<size_t>(n));
        size_t end = data.find("\r\n\r\n");
        if (end != std::string::npos && need == std::string::npos) {
          size_t p = data.find("Content-Length: ");
          need = end + 4 + std::stoul(data.substr(p + 16));
        }
      }
      size_t end = data.find("\r\n\r\n");
      int status;
      {
        std::lock_guard<std::mutex> lock(mu_);
        requests_.push_back({SteadyClock::now(), data.substr(0, end), data.substr(end + 4)});
        status = statuses_[std::min(requests_.size() - 1, statuses_.size() - 1)];
      }
      std::string reason = status == 200 ? "OK" : status == 404 ? "Not Found" : "Internal Server Error";
      std::string resp = "HTTP/1.1 " + std::to_string(status) + " " + reason +
                         "\r\nContent-Length: 2\r\nConnection: close\r\n\r\nok";
      send(c, resp.data(), resp.size(), MSG_NOSIGNAL);
      close(c);
    }
  }

  std::vector<int> statuses_;
  int fd_ = -1;
  int port_ = 0;
  std::atomic<bool> stop_{false};
  std::mutex mu_;
  std::vector<Request> requests_;
  std::thread thread_;
};

class TopicsTest : public ::testing::Test {
 protected:
  TopicsTest() { catalog_ = std::move(*catalog::OpenSqliteCatalog(dir_.path() + "/catalog.db")); }

  TopicsOptions Options() {
    TopicsOptions o;
    o.catalog = catalog_.get();
    o.policy.max_attempts = 3;
    o.policy.min_delay_ms = 50;
    o.policy.backoff = 2;
    o.policy.timeout_ms = 2000;
    return o;
  }

  TopicDefinition Topic(std::string name, SubscriptionProtocol protocol, std::string endpoint) {
    return TopicDefinition{std::move(name), {Subscription{protocol, std::move(endpoint)}}};
  }

  common::TestTempDir dir_;
  std::unique_ptr<catalog::Catalog> catalog_;
};

TEST_F(TopicsTest, HttpDeliveryRetriesServerErrorsWithBackoffUntilDelivered) {
  TestHttpServer server({500, 500, 200});
  Topics topics(Options());
  topics.Define(Topic("orders", SubscriptionProtocol::kHttp, server.url()));
  auto id = topics.Publish({.topic = "arn:aws:sns:us-east-1:123456789012:orders",
                            .message = "hello",
                            .subject = "greeting",
                            .attributes = json::parse(R"({"kind": {"DataType": "String", "StringValue": "test"}})")});
  ASSERT_TRUE(id.ok()) << id.status();
  ASSERT_TRUE(topics.WaitIdle(10000));
  auto reqs = server.requests();
  ASSERT_EQ(reqs.size(), 3u);
  // Back-off: at least 50 ms before the first retry, 100 ms before the second.
  EXPECT_GE(reqs[1].at - reqs[0].at, std::chrono::milliseconds(50));
  EXPECT_GE(reqs[2].at - reqs[1].at, std::chrono::milliseconds(100));
  EXPECT_NE(reqs[0].head.find("POST /hook HTTP/1.1\r\n"), std::string::npos);
  EXPECT_NE(reqs[0].head.find("x-amz-sns-message-type: Notification\r\n"), std::string::npos);
  EXPECT_NE(reqs[0].head.find("x-amz-sns-message-id: " + *id + "\r\n"), std::string::npos);
  auto body = json::parse(reqs[2].body).as_object();
  EXPECT_EQ(body.at("Type"), "Notification");
  EXPECT_EQ(body.at("MessageId").as_string(), *id);
  EXPECT_EQ(body.at("TopicArn"), "arn:aws:sns:us-east-1:123456789012:orders");
  EXPECT_EQ(body.at("Subject"), "greeting");
  EXPECT_EQ(body.at("Message"), "hello");
  EXPECT_EQ(body.at("MessageAttributes").as_object().at("kind").as_object().at("Value"), "test");

  auto d = topics.Deliveries(*id);
  ASSERT_TRUE(d.ok());
  ASSERT_EQ(d->size(), 1u);
  EXPECT_EQ((*d)[0].status, DeliveryStatus::kDelivered);
  EXPECT_EQ((*d)[0].attempts, 3);
  EXPECT_EQ((*d)[0].subscription, "http:" + server.url());
}

TEST_F(TopicsTest, HttpDeliveryThatExhaustsRetriesIsMarkedFailed) {
  TestHttpServer server({500});
  Topics topics(Options());
  topics.Define(Topic("orders", SubscriptionProtocol::kHttp, server.url()));
  auto id = topics.Publish({.topic = "orders", .message = "m"});
  ASSERT_TRUE(id.ok());
  ASSERT_TRUE(topics.WaitIdle(10000));
  EXPECT_EQ(server.requests().size(), 3u);
  auto d = *topics.Deliveries(*id);
  EXPECT_EQ(d[0].status, DeliveryStatus::kFailed);
  EXPECT_EQ(d[0].attempts, 3);
  EXPECT_EQ(d[0].last_error, "HTTP 500 Internal Server Error");
}

TEST_F(TopicsTest, ClientErrorsFailAtOnce) {
  TestHttpServer server({404});
  Topics topics(Options());
  topics.Define(Topic("orders", SubscriptionProtocol::kHttp, server.url()));
  auto id = *topics.Publish({.topic = "orders", .message = "m"});
  ASSERT_TRUE(topics.WaitIdle(10000));
  auto d = *topics.Deliveries(id);
  EXPECT_EQ(d[0].status, DeliveryStatus::kFailed);
  EXPECT_EQ(d[0].attempts, 1);
}

TEST_F(TopicsTest, PendingDeliveriesResumeAfterARestart) {
  std::string url;
  std::string id;
  {
    TestHttpServer down({500});
    url = down.url();
  }  // the port is closed now: connection refused
  {
    TopicsOptions o = Options();
    o.policy.min_delay_ms = 60000;  // the retry would come long after this process stops
    Topics topics(o);
    topics.Define(Topic("orders", SubscriptionProtocol::kHttp, url));
    id = *topics.Publish({.topic = "orders", .message = "m"});
    for (int i = 0; i < 200; ++i) {
      if ((*topics.Deliveries(id))[0].attempts == 1) break;
      std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
    auto d = *topics.Deliveries(id);
    EXPECT_EQ(d[0].status, DeliveryStatus::kPending);
    EXPECT_NE(d[0].last_error.find("connect"), std::string::npos) << d[0].last_error;
  }
  Topics again(Options());
  EXPECT_EQ(*again.ResumePending(), 1);
  ASSERT_TRUE(again.WaitIdle(10000));
  auto d = *again.Deliveries(id);
  EXPECT_EQ(d[0].status, DeliveryStatus::kFailed);  // still refused: attempts 2 and 3
  EXPECT_EQ(d[0].attempts, 3);
}

TEST_F(TopicsTest, CommandSubscriptionGetsTheNotificationOnStdin) {
  std::string out = dir_.path() + "/got.json";
  Topics topics(Options());
  topics.Define(Topic("orders", SubscriptionProtocol::kCommand, "cat > " + out));
  auto id = *topics.Publish({.topic = "orders", .message = "{\"a\":1}"});
  ASSERT_TRUE(topics.WaitIdle(10000));
  std::ifstream in(out);
  std::stringstream ss;
  ss << in.rdbuf();
  auto n = json::parse(ss.str()).as_object();
  EXPECT_EQ(n.at("MessageId").as_string(), id);
  EXPECT_EQ(n.at("Message"), "{\"a\":1}");
  EXPECT_EQ((*topics.Deliveries(id))[0].status, DeliveryStatus::kDelivered);

  topics.Define(Topic("broken", SubscriptionProtocol::kCommand, "exit 3"));
  auto failed = *topics.Publish({.topic = "broken", .message = "x"});
  ASSERT_TRUE(topics.WaitIdle(10000));
  auto d = *topics.Deliveries(failed);
  EXPECT_EQ(d[0].status, DeliveryStatus::kFailed);
  EXPECT_EQ(d[0].last_error, "exit status 3");
}

TEST_F(TopicsTest, DefaultAlertsTopicDeliversToTheLog) {
  Topics topics(Options());
  ASSERT_TRUE(topics.Has("alerts"));
  auto id = topics.Publish({.topic = "alerts", .message = "execution failed"});
  ASSERT_TRUE(id.ok());
  auto d = *topics.Deliveries(*id);
  ASSERT_EQ(d.size(), 1u);
  EXPECT_EQ(d[0].subscription, "log");
  EXPECT_EQ(d[0].attempts, 1);
  EXPECT_EQ(d[0].status, DeliveryStatus::kDelivered);
}

TEST_F(TopicsTest, PublishErrorsUseSnsNames) {
  Topics topics(Options());
  auto st = topics.Publish({.topic = "nope", .message = "m"}).status();
  EXPECT_EQ(st.name(), "NotFound");
  EXPECT_EQ(st.message(), "Topic does not exist: arn:aws:sns:us-east-1:123456789012:nope");
  EXPECT_EQ(topics.Publish({.topic = "alerts", .message = ""}).status().name(), "InvalidParameter");
  EXPECT_EQ(topics.Publish({.topic = "alerts", .message = std::string(kMaxMessageBytes + 1, 'x')}).status().name(),
            "InvalidParameter");
  EXPECT_EQ(topics.Publish({.topic = "alerts", .message = "m", .subject = "two\nlines"}).status().message(),
            "Invalid parameter: Subject");
  EXPECT_EQ(topics.Publish({.topic = "alerts", .message = "m", .subject = std::string(100, 's')}).status().name(),
            "InvalidParameter");
  EXPECT_EQ(topics.Publish({.topic = "alerts", .message = "m", .attributes = json::parse(R"({"k": {}})")})
                .status()
                .name(),
            "InvalidParameter");
}

TEST_F(TopicsTest, FullQueueThrottles) {
  TopicsOptions o = Options();
  o.queue_capacity = 1;
  o.policy.min_delay_ms = 60000;
  Topics topics(o);
  topics.Define(Topic("slow", SubscriptionProtocol::kCommand, "exit 1"));
  ASSERT_TRUE(topics.Publish({.topic = "slow", .message = "1"}).ok());
  EXPECT_EQ(topics.Publish({.topic = "slow", .message = "2"}).status().name(), "Throttled");
}

TEST(TopicDefinition, ParsesSubscriptionsAndRejectsNonLoopbackWebhooks) {
  auto t = TopicDefinition::FromJson(json::parse(R"({"Name": "ops", "Subscriptions": [
      {"Protocol": "log"}, {"Protocol": "http", "Endpoint": "http://localhost:9000/x"},
      {"Protocol": "command", "Endpoint": "./notify.sh"}]})"),
                                     "$.topics[0]");
  ASSERT_TRUE(t.ok()) << t.status();
  EXPECT_EQ(t->subscriptions.size(), 3u);
  auto remote = TopicDefinition::FromJson(
      json::parse(R"({"Name": "ops", "Subscriptions": [{"Protocol": "http", "Endpoint": "http://10.0.0.1/x"}]})"),
      "$.topics[0]");
  EXPECT_EQ(remote.status().message(),
            "$.topics[0].Subscriptions[0].Endpoint: webhook URL 'http://10.0.0.1/x': only loopback hosts "
            "(127.0.0.0/8, localhost, [::1]) are allowed");
  EXPECT_FALSE(TopicDefinition::FromJson(json::parse(R"({"Name": "a b"})"), "$").ok());
}

TEST(TopicDefinitionsFromJson, RejectsARepeatedName) {
  auto two = TopicDefinitionsFromJson(json::parse(R"([{"Name": "a"}, {"Name": "b"}])"), "$.topics");
  ASSERT_TRUE(two.ok());
  EXPECT_EQ(two->size(), 2u);
  EXPECT_EQ(TopicDefinitionsFromJson(json::parse(R"([{"Name": "a"}, {"Name": "a"}])"), "$.topics").status().message(),
            "$.topics[1].Name: topic 'a' is defined twice");
}

TEST(ParseLoopbackHttpUrl, ReadsHostPortAndTarget) {
  auto u = ParseLoopbackHttpUrl("http://127.0.0.1:8080/hooks/a?x=1");
  ASSERT_TRUE(u.ok());
  EXPECT_EQ(u->port, 8080);
  EXPECT_EQ(u->target, "/hooks/a?x=1");
  EXPECT_EQ(ParseLoopbackHttpUrl("http://[::1]")->target, "/");
  EXPECT_FALSE(ParseLoopbackHttpUrl("https://127.0.0.1/").ok());
  EXPECT_FALSE(ParseLoopbackHttpUrl("http://127.0.0.1:0/").ok());
}

TEST(TopicNameOf, AcceptsArnsAndBareNames) {
  EXPECT_EQ(TopicNameOf("arn:aws:sns:eu-west-1:111122223333:alerts"), "alerts");
  EXPECT_EQ(TopicNameOf("alerts"), "alerts");
}

}  // namespace
}  // namespace sluice::ops
