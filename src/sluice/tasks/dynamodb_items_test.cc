#include "sluice/tasks/dynamodb_items.h"

#include <gtest/gtest.h>

#include <thread>

#include "sluice/catalog/sqlite_catalog.h"
#include "sluice/common/test_temp_dir.h"

namespace sluice::tasks {
namespace {

namespace json = boost::json;

class DynamoDbItemsTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto c = catalog::OpenSqliteCatalog(dir_.path() + "/catalog.db");
    ASSERT_TRUE(c.ok()) << c.status();
    catalog_ = std::move(*c);
    KeySchema schema{{"pk", "S"}, KeyAttribute{"sk", "N"}};
    ASSERT_TRUE(CreateTable(*catalog_, "Orders", schema).ok());
    items_ = std::make_unique<DynamoDbItems>(catalog_.get());
    items_->RegisterWith(registry_);
  }

  Result<json::value> Call(std::string_view op, std::string_view params) {
    auto p = common::ParseJson(params, "params");
    EXPECT_TRUE(p.ok()) << p.status();
    std::string resource = "arn:aws:states:::dynamodb:" + std::string(op);
    asl::TaskInvocation inv;
    inv.resource = resource;
    inv.state_name = "Db";
    inv.parameters = &*p;
    asl::TaskHandler* h = registry_.Find(resource);
    EXPECT_NE(h, nullptr);
    auto r = h->Invoke(inv);
    if (r.ok()) {
      // The SDK metadata varies per call; the tests compare the rest.
      r->as_object().erase("SdkHttpMetadata");
      r->as_object().erase("SdkResponseMetadata");
    }
    return r;
  }
  std::string Text(const Result<json::value>& r) {
    if (!r.ok()) return std::string(r.status().name()) + ": " + r.status().message();
    return common::SerializeJson(*r);
  }

  common::TestTempDir dir_;
  std::unique_ptr<catalog::Catalog> catalog_;
  std::unique_ptr<DynamoDbItems> items_;
  asl::TaskRegistry registry_;
};

TEST_F(DynamoDbItemsTest, PutGetUpdateDeleteRoundTrip) {
  EXPECT_EQ(Text(Call("putItem", R"j({"TableName":"Orders","Item":{"pk":{"S":"o"},"sk":{"N":"1.0"},"qty":{"N":"2"}}})j")),
            "{}");
  EXPECT_EQ(Text(Call("getItem", R"j({"TableName":"Orders","Key":{"sk":{"N":"1"},"pk":{"S":"o"}}})j")),
            R"j({"Item":{"pk":{"S":"o"},"sk":{"N":"1"},"qty":{"N":"2"}}})j");
  EXPECT_EQ(Text(Call("updateItem", R"j({"TableName":"Orders","Key":{"pk":{"S":"o"},"sk":{"N":"1"}},
      "UpdateExpression":"SET qty = qty + :n, #s = :s","ExpressionAttributeNames":{"#s":"status"},
      "ExpressionAttributeValues":{":n":{"N":"3"},":s":{"S":"paid"}},"ReturnValues":"UPDATED_NEW"})j")),
            R"j({"Attributes":{"qty":{"N":"5"},"status":{"S":"paid"}}})j");
  EXPECT_EQ(Text(Call("getItem", R"j({"TableName":"Orders","Key":{"pk":{"S":"o"},"sk":{"N":"1"}},
      "ProjectionExpression":"#s","ExpressionAttributeNames":{"#s":"status"}})j")),
            R"j({"Item":{"status":{"S":"paid"}}})j");
  EXPECT_EQ(Text(Call("deleteItem", R"j({"TableName":"Orders","Key":{"pk":{"S":"o"},"sk":{"N":"1"}},"ReturnValues":"ALL_OLD"})j")),
            R"j({"Attributes":{"pk":{"S":"o"},"sk":{"N":"1"},"qty":{"N":"5"},"status":{"S":"paid"}}})j");
  EXPECT_EQ(Text(Call("getItem", R"j({"TableName":"Orders","Key":{"pk":{"S":"o"},"sk":{"N":"1"}}})j")), "{}");
}

TEST_F(DynamoDbItemsTest, ConditionalWritesFailWithConditionalCheckFailedException) {
  std::string put = R"j({"TableName":"Orders","Item":{"pk":{"S":"o"},"sk":{"N":"1"}},
      "ConditionExpression":"attribute_not_exists(pk)"})j";
  EXPECT_EQ(Text(Call("putItem", put)), "{}");
  auto again = Call("putItem", put);
  ASSERT_FALSE(again.ok());
  EXPECT_EQ(again.status().name(), "DynamoDB.ConditionalCheckFailedException");
  EXPECT_EQ(again.status().message().rfind(
                "The conditional request failed (Service: AmazonDynamoDBv2; Status Code: 400; Error Code: "
                "ConditionalCheckFailedException; Request ID: ", 0),
            0u)
      << again.status().message();
  auto update = Call("updateItem", R"j({"TableName":"Orders","Key":{"pk":{"S":"o"},"sk":{"N":"1"}},
      "UpdateExpression":"SET v = :v","ConditionExpression":"v = :old",
      "ExpressionAttributeValues":{":v":{"N":"1"},":old":{"N":"0"}}})j");
  EXPECT_EQ(update.status().name(), "DynamoDB.ConditionalCheckFailedException");
  auto del = Call("deleteItem", R"j({"TableName":"Orders","Key":{"pk":{"S":"o"},"sk":{"N":"1"}},
      "ConditionExpression":"attribute_exists(v)"})j");
  EXPECT_EQ(del.status().name(), "DynamoDB.ConditionalCheckFailedException");
  EXPECT_EQ(Text(Call("getItem", R"j({"TableName":"Orders","Key":{"pk":{"S":"o"},"sk":{"N":"1"}}})j")),
            R"j({"Item":{"pk":{"S":"o"},"sk":{"N":"1"}}})j");
}

TEST_F(DynamoDbItemsTest, ConcurrentConditionalCountersLoseNoIncrement) {
  constexpr int kThreads = 4, kEach = 25;
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&] {
      for (int i = 0; i < kEach; ++i) {
        auto r = Call("updateItem", R"j({"TableName":"Orders","Key":{"pk":{"S":"c"},"sk":{"N":"0"}},
            "UpdateExpression":"ADD hits :one","ExpressionAttributeValues":{":one":{"N":"1"}}})j");
        EXPECT_TRUE(r.ok()) << r.status();
      }
    });
  }
  for (auto& t : threads) t.join();
  EXPECT_EQ(Text(Call("getItem", R"j({"TableName":"Orders","Key":{"pk":{"S":"c"},"sk":{"N":"0"}},"ProjectionExpression":"hits"})j")),
            R"j({"Item":{"hits":{"N":"100"}}})j");
}

TEST_F(DynamoDbItemsTest, ValidationAndMissingTables) {
  auto missing = Call("getItem", R"j({"TableName":"Nope","Key":{"pk":{"S":"o"}}})j");
  EXPECT_EQ(missing.status().name(), "DynamoDB.ResourceNotFoundException");
  EXPECT_EQ(missing.status().message().rfind("Requested resource not found (Service: AmazonDynamoDBv2;", 0), 0u);
  auto key = Call("getItem", R"j({"TableName":"Orders","Key":{"pk":{"S":"o"}}})j");
  EXPECT_EQ(key.status().name(), "DynamoDB.ValidationException");
  EXPECT_EQ(key.status().message().rfind("The provided key element does not match the schema (", 0), 0u);
  auto no_key = Call("putItem", R"j({"TableName":"Orders","Item":{"pk":{"S":"o"}}})j");
  EXPECT_EQ(no_key.status().message().rfind(
                "One or more parameter values were invalid: Missing the key sk in the item (", 0),
            0u);
  auto key_update = Call("updateItem", R"j({"TableName":"Orders","Key":{"pk":{"S":"o"},"sk":{"N":"1"}},
      "UpdateExpression":"SET pk = :v","ExpressionAttributeValues":{":v":{"S":"x"}}})j");
  EXPECT_EQ(key_update.status().message().rfind(
                "One or more parameter values were invalid: Cannot update attribute pk. This attribute is "
                "part of the key (", 0),
            0u);
  auto rv = Call("putItem", R"j({"TableName":"Orders","Item":{"pk":{"S":"o"},"sk":{"N":"1"}},"ReturnValues":"ALL_NEW"})j");
  EXPECT_EQ(rv.status().message().rfind("ReturnValues can only be ALL_OLD or NONE (", 0), 0u);
  EXPECT_EQ(CreateTable(*catalog_, "Orders", KeySchema{{"pk", "S"}, std::nullopt}).code(), StatusCode::kAlreadyExists);
}

}  // namespace
}  // namespace sluice::tasks
